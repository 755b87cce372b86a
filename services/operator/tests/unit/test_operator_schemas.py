"""Every object the builders produce is valid Kubernetes, strictly (no unknown fields), on the
oldest and newest versions we support; a typo in a field name fails here, not in a cluster."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from orchestra_operator import leases, manifests, namespaces, reporting
from orchestra_operator.config import OperatorSettings
from orchestra_shared.catalogs import load_template_file
from orchestra_shared.workshops import WorkshopSpec, spec_from_template

Body = dict[str, Any]
KUBERNETES_VERSIONS = ["1.30.0", "1.35.0"]
CATALOG = Path(__file__).resolve().parents[4] / "charts" / "orchestra" / "files" / "templates"
NAME = "jupyter-1122-bcd234"
NAMESPACE = "orchestra-u-0123456789abcdef"
UID = "5f1e2d3c-0000-4000-8000-000000000001"
OWNER = "Ada.Lovelace@Example.org"


def validate(body: Body, version: str) -> None:
    used = kubernetes_validate.validate(body, version, strict=True)
    assert used == version.rsplit(".", 1)[0]  # the schema of that very version, not an older one


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize(
    ("ingress", "tls"),
    [("shared", False), ("per-host", False), ("per-host", True)],
    ids=["shared", "per-host-http", "per-host-tls"],
)
@pytest.mark.parametrize("kind", ["no-storage", "storage", "per-user", "bare"])
def test_workshop_children_are_valid(
    kind: str,
    ingress: str,
    tls: bool,
    version: str,
    specs: dict[str, WorkshopSpec],
    make_settings: Callable[..., OperatorSettings],
) -> None:
    settings = make_settings(
        tls_cluster_issuer="letsencrypt" if tls else None, workshop_ingress=ingress
    )
    children = manifests.children(NAME, NAMESPACE, UID, specs[kind], settings)
    assert {c["kind"] for c in children} >= {"Deployment", "Service", "NetworkPolicy"}
    assert ("Ingress" in {c["kind"] for c in children}) == (ingress == "per-host")
    for child in children:
        validate(child, version)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_children_without_internet_egress_are_valid(
    version: str, specs: dict[str, WorkshopSpec], make_settings: Callable[..., OperatorSettings]
) -> None:
    settings = make_settings(egress_to_internet=False)
    validate(manifests.network_policy(NAME, NAMESPACE, UID, specs["storage"], settings), version)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_learner_objects_are_valid(version: str, settings: OperatorSettings) -> None:
    objects = namespaces.learner_objects(OWNER, settings)
    assert [o["kind"] for o in objects] == [
        "Namespace",
        "ResourceQuota",
        "LimitRange",
        "NetworkPolicy",
    ]
    for body in objects:
        validate(body, version)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_per_host_gate_alias_is_valid(
    version: str, make_settings: Callable[..., OperatorSettings]
) -> None:
    objects = namespaces.learner_objects(OWNER, make_settings(workshop_ingress="per-host"))
    assert objects[-1]["spec"]["type"] == "ExternalName"
    validate(objects[-1], version)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("path", sorted(CATALOG.glob("*.yaml")), ids=lambda p: p.stem)
def test_children_of_every_catalog_template_are_valid(
    path: Path, version: str, make_settings: Callable[..., OperatorSettings]
) -> None:
    template = load_template_file(path)
    spec = spec_from_template(template, owner=OWNER, expires_at=datetime(2026, 1, 1, tzinfo=UTC))
    settings = make_settings(tls_cluster_issuer="letsencrypt")
    for child in manifests.children(NAME, NAMESPACE, UID, spec, settings):
        validate(child, version)


def test_the_validator_rejects_what_a_typo_would_produce(
    specs: dict[str, WorkshopSpec], settings: OperatorSettings
) -> None:
    """Strict mode really is strict, so the tests above can fail."""
    deployment = manifests.deployment(NAME, NAMESPACE, UID, specs["storage"], settings)
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContex"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(deployment, KUBERNETES_VERSIONS[0])


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_recorded_events_are_valid(version: str) -> None:
    workshop = {"metadata": {"name": NAME, "namespace": NAMESPACE, "uid": UID}}
    body = reporting.event_manifest(
        workshop,
        "Repaired",
        "Deployment restored after drift",
        warning=False,
        now=datetime(2026, 11, 22, tzinfo=UTC),
        reporter="orchestra-operator-0",
    )
    validate(body, version)
    assert body["reportingInstance"] == "orchestra-operator-0"


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_leader_lease_is_valid(version: str, settings: OperatorSettings) -> None:
    validate(leases.new_lease(settings, datetime(2026, 11, 22, tzinfo=UTC)), version)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_pod_of_each_security_profile_is_valid(
    version: str, make_spec: Callable[..., WorkshopSpec], settings: OperatorSettings
) -> None:
    for profile in ("restricted", "root-init"):
        spec = make_spec(security_profile=profile)
        validate(manifests.deployment(NAME, NAMESPACE, UID, spec, settings), version)
    for level in ("restricted", "baseline"):
        validate(namespaces.namespace(OWNER, settings, level), version)
