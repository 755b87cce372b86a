"""
Kubeconfig files pointing at the emulated cluster.

kubectl, Kopf's kubeconfig login and ``kubernetes_asyncio`` all read the same
file; without RBAC enforcement the emulator accepts any token, so the user carries a
fixed dummy one (client libraries differ in how they treat a user with no credentials at
all); with it, the token the cluster issued to the administrator or a ServiceAccount.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

NAME = "orchestra-emulated"
TOKEN = "orchestra-emulated-anonymous"


def render_kubeconfig(
    url: str, *, name: str = NAME, namespace: str = "default", token: str = TOKEN
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": url}}],
        "users": [{"name": name, "user": {"token": token}}],
        "contexts": [
            {"name": name, "context": {"cluster": name, "user": name, "namespace": namespace}}
        ],
        "current-context": name,
        "preferences": {},
    }


def write_kubeconfig(
    path: Path, url: str, *, name: str = NAME, namespace: str = "default", token: str = TOKEN
) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = render_kubeconfig(url, name=name, namespace=namespace, token=token)
    text = yaml.safe_dump(document, sort_keys=False)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)  # readers never see a half-written file
    return path
