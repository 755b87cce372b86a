"""The children of a Workshop: hardened pods, owned objects, hashed owners, fenced network."""

from collections.abc import Callable
from typing import Any

import pytest

from orchestra_operator import manifests
from orchestra_operator.config import OperatorSettings
from orchestra_shared import labels
from orchestra_shared.owners import owner_hash
from orchestra_shared.workshops import WorkshopSpec

Body = dict[str, Any]
NAME = "jupyter-1122-bcd234"
NAMESPACE = "orchestra-u-0123456789abcdef"
UID = "5f1e2d3c-0000-4000-8000-000000000001"


def by_kind(spec: WorkshopSpec, settings: OperatorSettings) -> dict[str, Body]:
    children = manifests.children(NAME, NAMESPACE, UID, spec, settings)
    kinds = [child["kind"] for child in children]
    assert len(set(kinds)) == len(kinds)
    return {child["kind"]: child for child in children}


def container(deployment: Body) -> Body:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    result: Body = containers[0]
    return result


class TestPodHardening:
    def test_container_security_context(
        self, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        context = container(manifests.deployment(NAME, NAMESPACE, UID, specs["storage"], settings))[
            "securityContext"
        ]
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"] == {"drop": ["ALL"]}
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}
        assert context["runAsNonRoot"] is True
        assert "privileged" not in context or context["privileged"] is False

    def test_pod_runs_as_non_root_without_a_service_account_token(
        self, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        pod = manifests.deployment(NAME, NAMESPACE, UID, specs["storage"], settings)["spec"][
            "template"
        ]["spec"]
        assert pod["automountServiceAccountToken"] is False
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert "hostNetwork" not in pod
        assert "hostPID" not in pod

    def test_readiness_probe_targets_the_app_port(
        self, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        main = container(manifests.deployment(NAME, NAMESPACE, UID, specs["storage"], settings))
        probe_port = main["readinessProbe"]["tcpSocket"]["port"]
        ports = {port["name"]: port["containerPort"] for port in main["ports"]}
        assert ports[probe_port] == 8888

    def test_image_env_args_and_resources_come_from_the_spec(
        self, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        spec = specs["storage"]
        main = container(manifests.deployment(NAME, NAMESPACE, UID, spec, settings))
        assert main["image"] == spec.image
        assert main["env"] == [
            {"name": "A_FIRST", "value": "1"},
            {"name": "JUPYTER_ENABLE_LAB", "value": "yes"},
        ]
        assert main["args"] == list(spec.args)
        assert main["resources"] == {
            "limits": {"cpu": "2", "memory": "4Gi", "ephemeral-storage": "8Gi"},
            "requests": {"cpu": "1", "memory": "2Gi", "ephemeral-storage": "1Gi"},
        }

    def test_no_args_means_the_images_own_command(
        self, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        assert "args" not in container(
            manifests.deployment(NAME, NAMESPACE, UID, specs["bare"], settings)
        )


class TestOwnership:
    @pytest.mark.parametrize("kind", ["no-storage", "storage", "per-user"])
    def test_every_child_but_the_workspace_is_controlled_by_the_workshop(
        self, kind: str, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        for child in manifests.children(NAME, NAMESPACE, UID, specs[kind], settings):
            assert child["metadata"]["namespace"] == NAMESPACE
            if kind == "per-user" and child["kind"] == "PersistentVolumeClaim":
                assert "ownerReferences" not in child["metadata"]
                continue
            (reference,) = child["metadata"]["ownerReferences"]
            assert reference == {
                "apiVersion": "orchestra.io/v1",
                "kind": "Workshop",
                "name": NAME,
                "uid": UID,
                "controller": True,
                "blockOwnerDeletion": True,
            }

    def test_without_storage_there_is_no_volume(
        self, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        children = by_kind(specs["no-storage"], settings)
        assert "PersistentVolumeClaim" not in children
        pod = children["Deployment"]["spec"]["template"]["spec"]
        assert "volumes" not in pod
        assert "volumeMounts" not in container(children["Deployment"])

    def test_session_storage_is_the_workshops_own_claim(
        self, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        children = by_kind(specs["storage"], settings)
        claim = children["PersistentVolumeClaim"]
        assert claim["metadata"]["name"] == NAME
        assert claim["spec"]["resources"]["requests"]["storage"] == "10Gi"
        assert claim["spec"]["storageClassName"] == "fast"
        pod = children["Deployment"]["spec"]["template"]["spec"]
        assert pod["volumes"][0]["persistentVolumeClaim"]["claimName"] == NAME
        assert container(children["Deployment"])["volumeMounts"][0]["mountPath"] == "/workspace"

    def test_the_per_user_workspace_is_named_for_the_template_not_the_session(
        self, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        children = by_kind(specs["per-user"], settings)
        claim = children["PersistentVolumeClaim"]
        assert claim["metadata"]["name"] == "workspace-jupyter"
        assert labels.WORKSHOP not in claim["metadata"]["labels"]
        assert "storageClassName" not in claim["spec"]
        pod = children["Deployment"]["spec"]["template"]["spec"]
        assert pod["volumes"][0]["persistentVolumeClaim"]["claimName"] == "workspace-jupyter"

    def test_the_volume_is_created_before_the_pod(
        self, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        kinds = [
            c["kind"] for c in manifests.children(NAME, NAMESPACE, UID, specs["storage"], settings)
        ]
        assert kinds.index("PersistentVolumeClaim") < kinds.index("Deployment")


def label_values(body: Any) -> list[str]:
    """Every label value anywhere in an object (pod templates and selectors included)."""
    found: list[str] = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key in ("labels", "matchLabels") and isinstance(value, dict):
                found.extend(str(v) for v in value.values())
            else:
                found.extend(label_values(value))
    elif isinstance(body, list):
        for item in body:
            found.extend(label_values(item))
    return found


class TestLabels:
    @pytest.mark.parametrize("kind", ["no-storage", "storage", "per-user"])
    def test_the_owner_appears_only_as_its_hash(
        self, kind: str, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        spec = specs[kind]
        children = manifests.children(NAME, NAMESPACE, UID, spec, settings)
        values = label_values(children)
        assert values
        for value in values:
            assert "@" not in value
            assert "lovelace" not in value.lower()
        for child in children:
            assert child["metadata"]["labels"][labels.OWNER_HASH] == owner_hash(spec.owner)

    def test_selector_matches_the_pod_template(
        self, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        deployment = manifests.deployment(NAME, NAMESPACE, UID, specs["storage"], settings)
        selector = deployment["spec"]["selector"]["matchLabels"]
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector == {labels.WORKSHOP: NAME}
        assert selector.items() <= pod_labels.items()
        assert pod_labels[labels.MANAGED_BY] == labels.MANAGER


class TestIngress:
    def test_shared_mode_builds_no_ingress_per_workshop(
        self, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        kinds = set(by_kind(specs["storage"], settings))
        assert "Ingress" not in kinds  # the platform's one wildcard Ingress serves every host
        assert manifests.url(NAME, settings) == f"https://{NAME}.workshops.example.org/"

    def test_per_host_ingress_goes_to_the_gate_never_to_the_workshop(
        self, specs: dict[str, WorkshopSpec], make_settings: Callable[..., OperatorSettings]
    ) -> None:
        settings = make_settings(workshop_ingress="per-host")
        ingress = by_kind(specs["storage"], settings)["Ingress"]
        assert ingress["spec"]["rules"][0]["host"] == f"{NAME}.workshops.example.org"
        assert ingress["spec"]["ingressClassName"] == "nginx"
        assert "tls" not in ingress["spec"]
        assert "cert-manager.io/cluster-issuer" not in ingress["metadata"].get("annotations", {})
        backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
        assert backend == {"name": "orchestra-gate", "port": {"number": 80}}
        assert backend["name"] != NAME

    def test_per_host_tls_only_with_a_cluster_issuer(
        self, specs: dict[str, WorkshopSpec], make_settings: Callable[..., OperatorSettings]
    ) -> None:
        settings = make_settings(tls_cluster_issuer="letsencrypt", workshop_ingress="per-host")
        ingress = manifests.ingress(NAME, NAMESPACE, UID, specs["storage"], settings)
        assert ingress["metadata"]["annotations"] == {
            "cert-manager.io/cluster-issuer": "letsencrypt"
        }
        assert ingress["spec"]["tls"] == [
            {"hosts": [f"{NAME}.workshops.example.org"], "secretName": f"{NAME}-tls"}
        ]

    def test_the_url_carries_a_port_only_when_set(
        self, make_settings: Callable[..., OperatorSettings]
    ) -> None:
        settings = make_settings(base_domain="localhost", url_scheme="http", url_port=8089)
        assert manifests.url(NAME, settings) == f"http://{NAME}.localhost:8089/"
