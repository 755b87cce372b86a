"""A tiny Kopf operator for ``test_kopf.py``: a Workshop gets a ConfigMap and a status.

Run by ``kopf run`` in a subprocess with ``KUBECONFIG`` pointing at the emulated
cluster, so Kopf's own kubeconfig login, finalizers, annotations, progress
storage and status patches all go over HTTP exactly as against a real cluster.
"""

from __future__ import annotations

import os
from typing import Any

import aiohttp
import kopf
import yaml


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    settings.watching.server_timeout = 10
    settings.posting.loggers = True  # post handler logs as Kubernetes Events too
    with open(os.environ["KUBECONFIG"], encoding="utf-8") as f:
        memo.server = yaml.safe_load(f)["clusters"][0]["cluster"]["server"]


@kopf.on.create("orchestra.io", "v1", "workshops")
async def create_fn(
    name: str, namespace: str | None, body: kopf.Body, patch: kopf.Patch, memo: kopf.Memo, **_: Any
) -> dict[str, str]:
    configmap: dict[str, Any] = {"metadata": {"name": f"{name}-config"}, "data": {"owner": name}}
    kopf.adopt(configmap, owner=body)
    url = f"{memo.server}/api/v1/namespaces/{namespace}/configmaps"
    async with aiohttp.ClientSession() as session, session.post(url, json=configmap) as rsp:
        if rsp.status not in (201, 409):
            raise kopf.TemporaryError(f"creating the ConfigMap failed: {rsp.status}", delay=1)
    patch.status["phase"] = "Ready"
    return {"configmap": configmap["metadata"]["name"]}


@kopf.on.update("orchestra.io", "v1", "workshops", field="spec")
def update_fn(patch: kopf.Patch, new: Any, **_: Any) -> None:
    patch.status["seenImage"] = (new or {}).get("image")


@kopf.on.delete("orchestra.io", "v1", "workshops")
def delete_fn(**_: Any) -> None:
    pass  # its presence makes Kopf put and later remove its finalizer
