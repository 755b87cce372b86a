"""Each template's pod satisfies the Pod Security level its learner's namespace enforces.

The reference templates are loaded as the platform loads them: through the catalog loader,
with the chart's overlay of security profiles (the templates themselves declare none).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orchestra_operator import manifests, namespaces, security_contexts
from orchestra_operator.config import OperatorSettings
from orchestra_operator.pod_security import pod_spec_of, strictest_level, violations
from orchestra_shared.catalogs import load_catalog
from orchestra_shared.templates import SecurityProfile
from orchestra_shared.workshops import WorkshopSpec, spec_from_template

Body = dict[str, Any]
SpecFactory = Callable[..., WorkshopSpec]
REPO = Path(__file__).resolve().parents[4]
REFERENCE_TEMPLATES = REPO.parent / "shared" / "reference-templates"
CHART = REPO / "charts" / "orchestra" / "files"
OWNER = "Ada.Lovelace@Example.org"
NAME = "rstudio-1122-bcd234"
UID = "5f1e2d3c-0000-4000-8000-000000000001"
PSA = "pod-security.kubernetes.io/"


def reference_specs() -> dict[str, WorkshopSpec]:
    if not REFERENCE_TEMPLATES.is_dir():
        return {}
    catalog = load_catalog(REFERENCE_TEMPLATES, profiles=CHART / "security-profiles.yaml")
    expires = datetime(2026, 1, 1, tzinfo=UTC)
    return {
        slug: spec_from_template(template, owner=OWNER, expires_at=expires)
        for slug, template in catalog.templates.items()
    }


REFERENCE_SPECS = reference_specs()


@pytest.mark.skipif(not REFERENCE_SPECS, reason="no ../shared/reference-templates")
@pytest.mark.parametrize("slug", sorted(REFERENCE_SPECS))
def test_the_pod_of_each_reference_template_passes_its_namespaces_level(
    slug: str, settings: OperatorSettings
) -> None:
    spec = REFERENCE_SPECS[slug]
    level = namespaces.namespace_level([spec.security_profile])
    namespace = namespaces.namespace(OWNER, settings, level)
    enforced = namespace["metadata"]["labels"][f"{PSA}enforce"]
    deployment = manifests.deployment(NAME, namespace["metadata"]["name"], UID, spec, settings)
    assert violations(pod_spec_of(deployment), enforced) == []
    # And no looser than it must be: a restricted pod gets a restricted namespace.
    assert enforced == strictest_level(pod_spec_of(deployment))


@pytest.mark.skipif(not REFERENCE_SPECS, reason="no ../shared/reference-templates")
def test_the_reference_catalog_has_both_profiles() -> None:
    # The test above would prove little if every template were restricted.
    profiles = {spec.security_profile for spec in REFERENCE_SPECS.values()}
    assert profiles == {"restricted", "root-init"}


@pytest.mark.parametrize("profile", ["restricted", "root-init"])
def test_every_profile_stays_within_baseline_without_escalation(
    profile: SecurityProfile, make_spec: SpecFactory, settings: OperatorSettings
) -> None:
    spec = make_spec(security_profile=profile)
    pod = pod_spec_of(manifests.deployment(NAME, "ns", UID, spec, settings))
    assert violations(pod, "baseline") == []
    (container,) = pod["containers"]
    context = container["securityContext"]
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"]["drop"] == ["ALL"]
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    assert "privileged" not in context
    assert pod["automountServiceAccountToken"] is False


def test_root_init_adds_only_what_an_init_uses(
    make_spec: SpecFactory, settings: OperatorSettings
) -> None:
    spec = make_spec(security_profile="root-init")
    pod = pod_spec_of(manifests.deployment(NAME, "ns", UID, spec, settings))
    added = set(pod["containers"][0]["securityContext"]["capabilities"]["add"])
    assert added == {"CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETGID", "SETUID"}
    assert "runAsUser" not in pod["securityContext"]  # the image's root starts the init
    assert pod["securityContext"]["fsGroup"] == security_contexts.ROOT_INIT_FS_GROUP


def test_restricted_runs_as_the_unprivileged_user(
    make_spec: SpecFactory, settings: OperatorSettings
) -> None:
    pod = pod_spec_of(manifests.deployment(NAME, "ns", UID, make_spec(), settings))
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == security_contexts.RESTRICTED_USER
    assert violations(pod, "restricted") == []


@pytest.mark.parametrize(
    ("profiles", "level"),
    [
        ([], "restricted"),
        (["restricted"], "restricted"),
        (["restricted", "restricted"], "restricted"),
        (["root-init"], "baseline"),
        (["restricted", "root-init"], "baseline"),
    ],
)
def test_the_namespace_level_is_the_strictest_all_workshops_allow(
    profiles: list[SecurityProfile], level: str
) -> None:
    assert namespaces.namespace_level(profiles) == level


@pytest.mark.parametrize("level", ["restricted", "baseline"])
def test_the_namespace_enforces_warns_and_audits_at_one_versioned_level(
    level: Any, settings: OperatorSettings
) -> None:
    labels = namespaces.learner_objects(OWNER, settings, level)[0]["metadata"]["labels"]
    psa = {key.removeprefix(PSA): value for key, value in labels.items() if key.startswith(PSA)}
    assert psa == {
        "enforce": level,
        "enforce-version": "latest",
        "warn": level,
        "warn-version": "latest",
        "audit": level,
        "audit-version": "latest",
    }


def test_a_new_namespace_is_restricted(settings: OperatorSettings) -> None:
    labels = namespaces.namespace(OWNER, settings)["metadata"]["labels"]
    assert labels[f"{PSA}enforce"] == "restricted"
