"""
Kubeconfig files pointing at the emulated cluster.

kubectl, Kopf's kubeconfig login and ``kubernetes_asyncio`` all read the same
file; without RBAC enforcement the emulator accepts any token, so the user carries a
fixed dummy one (client libraries differ in how they treat a user with no credentials at
all); with it, the token the cluster issued to the administrator or a ServiceAccount,
and the cluster's certificate authority (it then serves HTTPS: ``certificates``).
"""

from __future__ import annotations

import base64
import ssl
from pathlib import Path
from typing import Any

import yaml

NAME = "orchestra-emulated"
TOKEN = "orchestra-emulated-anonymous"


def render_kubeconfig(
    url: str,
    *,
    name: str = NAME,
    namespace: str = "default",
    token: str = TOKEN,
    ca_pem: bytes | None = None,
) -> dict[str, Any]:
    cluster: dict[str, str] = {"server": url}
    if ca_pem is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode("ascii")
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": cluster}],
        "users": [{"name": name, "user": {"token": token}}],
        "contexts": [
            {"name": name, "context": {"cluster": name, "user": name, "namespace": namespace}}
        ],
        "current-context": name,
        "preferences": {},
    }


def write_kubeconfig(
    path: Path,
    url: str,
    *,
    name: str = NAME,
    namespace: str = "default",
    token: str = TOKEN,
    ca_pem: bytes | None = None,
) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = render_kubeconfig(url, name=name, namespace=namespace, token=token, ca_pem=ca_pem)
    text = yaml.safe_dump(document, sort_keys=False)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)  # readers never see a half-written file
    return path


def read_kubeconfig(path: Path) -> tuple[str, str, ssl.SSLContext | None]:
    """Server URL, bearer token and TLS context of a kubeconfig written here (its first
    cluster and user): for tests and tools that call the cluster without a client library."""
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    cluster = document["clusters"][0]["cluster"]
    token = str(document["users"][0]["user"].get("token", ""))
    authority = cluster.get("certificate-authority-data")
    context = (
        ssl.create_default_context(cadata=base64.b64decode(authority).decode("ascii"))
        if authority
        else None
    )
    return str(cluster["server"]), token, context
