"""The operator's Kubernetes client takes its connection from the kubeconfig alone.

kubernetes_asyncio's own session trusts the environment: aiohttp then reads a
``~/.netrc`` in a worker thread on every request, and a netrc naming the API
server's host turns every request that carries the kubeconfig's token into an
error (credentials twice). Kopf's watches never trusted it; our client now does not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestra_devstack.cluster.serving import EmulatedCluster
from orchestra_operator.cluster import NAMESPACES, Cluster
from orchestra_shared.settings import KubernetesSettings


async def test_a_netrc_in_the_environment_is_not_consulted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    async with EmulatedCluster(kubelet=False) as cluster:
        kubeconfig = cluster.write_kubeconfig(tmp_path / "kubeconfig")
        kube = await Cluster.connect(KubernetesSettings(kubeconfig=kubeconfig))
        try:
            assert await kube.get(NAMESPACES, "default") is not None
            assert kube.api.rest_client.pool_manager.trust_env is False
        finally:
            await kube.close()
