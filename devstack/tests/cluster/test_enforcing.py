"""The emulated cluster enforcing RBAC over real HTTP: tokens, 401, 403, and the record.

A ServiceAccount that may list Workshops in every namespace and read one ConfigMap in its
own; the administrator's kubeconfig; and what kubectl makes of a refusal.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from orchestra_devstack.cluster import EmulatedCluster

CRDS = Path(__file__).with_name("crds.yaml")
RBAC = "rbac.authorization.k8s.io/v1"
WORKSHOPS = "/apis/orchestra.io/v1/namespaces/default/workshops"
READER = ("team", "reader")
MANIFESTS = [
    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "reader", "namespace": "team"}},
    {"apiVersion": RBAC, "kind": "ClusterRole", "metadata": {"name": "reader"},
     "rules": [{"apiGroups": ["orchestra.io"], "resources": ["workshops"], "verbs": ["list", "watch"]}]},
    {"apiVersion": RBAC, "kind": "ClusterRoleBinding", "metadata": {"name": "reader"},
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "reader"},
     "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": "team"}]},
    {"apiVersion": RBAC, "kind": "Role", "metadata": {"name": "settings", "namespace": "team"},
     "rules": [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["settings"],
                "verbs": ["get"]}]},
    {"apiVersion": RBAC, "kind": "RoleBinding", "metadata": {"name": "settings", "namespace": "team"},
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "settings"},
     "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": "team"}]},
]  # fmt: skip


def token_of(kubeconfig: Path) -> str:
    token: str = yaml.safe_load(kubeconfig.read_text())["users"][0]["user"]["token"]
    return token


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[EmulatedCluster]:
    manifest = tmp_path / "rbac.yaml"
    manifest.write_text(yaml.safe_dump_all(MANIFESTS), encoding="utf-8")
    async with EmulatedCluster(
        crd_paths=[CRDS], manifest_paths=[manifest], enforce_rbac=True, kubelet=False
    ) as running:
        yield running


class Caller:
    def __init__(self, session: aiohttp.ClientSession, token: str | None) -> None:
        self.session = session
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def __call__(
        self, method: str, path: str, body: Any = None, **params: str
    ) -> tuple[int, Any]:
        content = "application/merge-patch+json" if method == "PATCH" else "application/json"
        headers = {**self.headers, "Content-Type": content}
        data = None if body is None else json.dumps(body)
        async with self.session.request(
            method, path, data=data, headers=headers, params=params
        ) as response:
            return response.status, await response.json(content_type=None)


@pytest.fixture
async def session(cluster: EmulatedCluster) -> AsyncIterator[aiohttp.ClientSession]:
    context = cluster.client_ssl_context()
    assert context is not None  # with RBAC enforced, the cluster serves HTTPS
    connector = aiohttp.TCPConnector(ssl=context)
    async with aiohttp.ClientSession(base_url=cluster.url, connector=connector) as session:
        yield session


@pytest.fixture
def admin(cluster: EmulatedCluster, session: aiohttp.ClientSession, tmp_path: Path) -> Caller:
    return Caller(session, token_of(cluster.write_kubeconfig(tmp_path / "admin")))


@pytest.fixture
def reader(cluster: EmulatedCluster, session: aiohttp.ClientSession, tmp_path: Path) -> Caller:
    kubeconfig = cluster.write_kubeconfig(tmp_path / "reader", service_account=READER)
    assert yaml.safe_load(kubeconfig.read_text())["contexts"][0]["context"]["namespace"] == "team"
    return Caller(session, token_of(kubeconfig))


@pytest.mark.parametrize(
    "token", [None, "not-a-token-of-this-cluster", "orchestra-emulated-anonymous"]
)
async def test_no_token_or_an_unknown_one_is_unauthorized(
    session: aiohttp.ClientSession, token: str | None
) -> None:
    status, body = await Caller(session, token)("GET", WORKSHOPS)
    assert status == 401
    assert (body["kind"], body["reason"], body["code"]) == ("Status", "Unauthorized", 401)
    status, _ = await Caller(session, token)("GET", "/apis")
    assert status == 401
    async with session.get("/healthz") as health:  # health and version need no identity
        assert health.status == 200


async def test_a_service_account_gets_what_its_bindings_grant_and_403_for_the_rest(
    admin: Caller, reader: Caller, session: aiohttp.ClientSession
) -> None:
    assert (await reader("GET", "/apis/orchestra.io/v1"))[0] == 200  # discovery
    assert (await reader("GET", WORKSHOPS))[0] == 200
    assert (await reader("GET", "/apis/orchestra.io/v1/workshops"))[0] == 200
    status, refused = await reader("POST", WORKSHOPS, {"metadata": {"name": "w"}, "spec": {}})
    assert status == 403
    assert refused["reason"] == "Forbidden"
    assert refused["details"] == {"name": "", "group": "orchestra.io", "kind": "workshops"}
    assert refused["message"] == (
        'workshops.orchestra.io is forbidden: User "system:serviceaccount:team:reader" cannot '
        'create resource "workshops" in API group "orchestra.io" in the namespace "default"'
    )
    # The Role holds in its namespace, for the one ConfigMap it names.
    await admin("POST", "/api/v1/namespaces/team/configmaps", {"metadata": {"name": "settings"}})
    await admin("POST", "/api/v1/namespaces/team/configmaps", {"metadata": {"name": "other"}})
    assert (await reader("GET", "/api/v1/namespaces/team/configmaps/settings"))[0] == 200
    assert (await reader("GET", "/api/v1/namespaces/team/configmaps/other"))[0] == 403
    assert (await reader("GET", "/api/v1/namespaces/team/configmaps"))[0] == 403

    async with session.get("/_devstack/rbac") as response:
        usage = await response.json()
    mine = [u for u in usage["used"] if u["user"] == "system:serviceaccount:team:reader"]
    assert {(u["verb"], u["resource"] or u["path"], u["namespace"]) for u in mine} == {
        ("get", "/apis/orchestra.io/v1", ""),
        ("list", "workshops", "default"),
        ("list", "workshops", ""),
        ("get", "configmaps", "team"),
    }
    assert [(r["verb"], r["resource"], r["namespace"]) for r in usage["refused"]] == [
        ("create", "workshops", "default"),
        ("get", "configmaps", "team"),
        ("list", "configmaps", "team"),
    ]
    async with session.delete("/_devstack/rbac"):
        pass
    async with session.get("/_devstack/rbac") as response:
        assert await response.json() == {"used": [], "refused": []}


async def test_rules_changed_through_the_api_hold_at_once(admin: Caller, reader: Caller) -> None:
    rules = [{"apiGroups": ["orchestra.io"], "resources": ["workshops"], "verbs": ["watch"]}]
    status, _ = await admin(
        "PATCH", "/apis/rbac.authorization.k8s.io/v1/clusterroles/reader", {"rules": rules}
    )
    assert status == 200
    assert (await reader("GET", WORKSHOPS))[0] == 403
    status, _ = await admin("DELETE", "/api/v1/namespaces/team/serviceaccounts/reader")
    assert status == 200
    assert (await reader("GET", WORKSHOPS))[0] == 401  # its token went with it


async def test_kubectl_reads_the_refusal_as_it_reads_a_real_servers(
    cluster: EmulatedCluster, tmp_path: Path
) -> None:
    kubeconfig = cluster.write_kubeconfig(tmp_path / "reader", service_account=READER)
    kubectl = [str(Path(sys.executable).parent / "kubectl"), "--kubeconfig", str(kubeconfig)]

    async def run(*args: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            *kubectl, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
        return await process.wait(), output.decode()

    code, output = await run("get", "workshops", "-A")
    assert code == 0, output
    code, output = await run("get", "pods")
    assert code == 1
    assert (
        'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:team:reader"'
        in output
    )


async def test_a_kubeconfig_for_an_account_that_does_not_exist_is_refused(
    cluster: EmulatedCluster, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="no ServiceAccount team/writer"):
        cluster.write_kubeconfig(tmp_path / "writer", service_account=("team", "writer"))
