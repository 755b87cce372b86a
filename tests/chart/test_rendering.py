"""The chart renders into objects Kubernetes accepts, for every values file we ship.

helm lint --strict, helm template with the default, production-like and minimal values,
each object validated strictly against Kubernetes 1.30's and 1.35's own schemas
(kubernetes-validate, offline), and the values schema refusing a typo.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import kubernetes_validate
import pytest

from tests.chart.conftest import VALUES_FILES
from tests.chart.rendering import CHART, Rendered, helm_template

KUBERNETES_VERSIONS = ("1.30", "1.35")
# Custom resources of other projects: no schema here (kubernetes-validate knows built-ins).
FOREIGN_GROUPS = ("monitoring.coreos.com/", "cert-manager.io/")


@pytest.mark.parametrize("name", sorted(VALUES_FILES))
def test_helm_lint_strict_passes(helm: Path, name: str) -> None:
    command = [str(helm), "lint", "--strict", str(CHART)]
    if VALUES_FILES[name] is not None:
        command += ["--values", str(VALUES_FILES[name])]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_is_valid_kubernetes(rendered: Rendered, version: str) -> None:
    checked = 0
    for body in rendered.objects:
        if body["apiVersion"].startswith(FOREIGN_GROUPS):
            continue
        try:
            kubernetes_validate.validate(body, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            name = f"{body['kind']} {body['metadata']['name']}"
            raise AssertionError(f"{name}: {error.message} at {list(error.path)}") from None
        checked += 1
    assert checked >= 15


def test_the_production_values_use_the_optional_kinds(
    rendered_by: Callable[[str], Rendered],
) -> None:
    kinds = {body["kind"] for body in rendered_by("production").objects}
    assert {"ServiceMonitor", "Certificate", "NetworkPolicy", "HorizontalPodAutoscaler"} <= kinds


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        ("api.replica=3", "additional properties 'replica' not allowed"),
        ("operator.workshopIngress=wildcard", "value must be one of"),
        ("natsAuth.url=http://nats:4222", "does not match pattern"),
        ("gate.replicas=0", "minimum"),
        ("typo=1", "additional properties 'typo' not allowed"),
    ],
)
def test_the_values_schema_refuses_bad_values(helm: Path, setting: str, complaint: str) -> None:
    done = helm_template(helm, extra=("--set", setting))
    assert done.returncode != 0
    assert complaint in done.stderr, done.stderr
