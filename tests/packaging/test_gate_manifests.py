"""The gate's deployment objects (deploy/gate.yaml) are what Kubernetes accepts and what the
operator's NetworkPolicies expect: a wildcard Ingress to the gate, the gate's pod labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

from orchestra_operator.config import OperatorSettings

MANIFESTS = Path(__file__).resolve().parents[2] / "deploy" / "gate.yaml"


def objects() -> dict[str, dict[str, Any]]:
    return {body["kind"]: body for body in yaml.safe_load_all(MANIFESTS.read_text())}


def test_the_builtin_kinds_are_valid_kubernetes() -> None:
    for kind, body in objects().items():
        if kind != "Certificate":  # cert-manager's; no schema here
            kubernetes_validate.validate(body, "1.33", strict=True)


def test_one_wildcard_ingress_and_certificate_lead_to_the_gate() -> None:
    found = objects()
    ingress, certificate = found["Ingress"], found["Certificate"]
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"].startswith("*.")
    assert ingress["spec"]["tls"][0]["hosts"] == [rule["host"]]
    assert certificate["spec"]["dnsNames"] == [rule["host"]]
    assert certificate["spec"]["secretName"] == ingress["spec"]["tls"][0]["secretName"]
    backend = rule["http"]["paths"][0]["backend"]["service"]["name"]
    assert backend == found["Service"]["metadata"]["name"]


def test_the_gate_pods_carry_the_labels_the_operator_admits() -> None:
    found = objects()
    pod_labels = found["Deployment"]["spec"]["template"]["metadata"]["labels"]
    settings = OperatorSettings()
    assert settings.gate_pod_labels.items() <= pod_labels.items()
    assert found["Deployment"]["metadata"]["namespace"] == settings.gate_namespace
    assert found["Service"]["metadata"]["name"] == settings.gate_service
