"""``python -m orchestra_devstack.cluster`` as the dev launcher runs it."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

import aiohttp
import pytest
import yaml

from orchestra_devstack.cluster.__main__ import _account_kubeconfig, parse_arguments

CRDS = Path(__file__).with_name("crds.yaml")


async def test_the_process_serves_writes_files_and_stops_cleanly(tmp_path: Path) -> None:
    kubeconfig, ready = tmp_path / "kubeconfig", tmp_path / "ready"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "orchestra_devstack.cluster",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--crd",
        str(CRDS),
        "--kubeconfig",
        str(kubeconfig),
        "--ready-file",
        str(ready),
        "--kubelet-delay",
        "0.05",
        "--fail-image",
        "bad/*=ImagePullBackOff",
    )
    try:
        # Until the process says it is ready (its start-up takes seconds on a busy machine),
        # or dies; the bound only catches a hang.
        deadline = asyncio.get_running_loop().time() + 60
        while not ready.exists():
            assert process.returncode is None, "the cluster process exited before it was ready"
            assert asyncio.get_running_loop().time() < deadline, "never ready"
            await asyncio.sleep(0.05)
        url = ready.read_text().strip()
        config = yaml.safe_load(kubeconfig.read_text())
        assert config["clusters"][0]["cluster"]["server"] == url
        async with aiohttp.ClientSession(base_url=url) as session:
            async with session.get("/apis/orchestra.io/v1/namespaces/default/workshops") as rsp:
                assert rsp.status == 200
            async with session.get("/_devstack/kubelet/failing-images") as rsp:
                assert (await rsp.json())["failingImages"] == {"bad/*": "ImagePullBackOff"}
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout=60)
    assert code == 0


async def test_a_malformed_failing_image_is_a_usage_error(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "orchestra_devstack.cluster",
        "--kubeconfig",
        str(tmp_path / "k"),
        "--ready-file",
        str(tmp_path / "r"),
        "--fail-image",
        "no-reason",
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    assert process.returncode == 2
    assert b"PATTERN=REASON" in stderr


def test_service_account_kubeconfigs_are_named_namespace_slash_name() -> None:
    arguments = parse_arguments(
        ["--kubeconfig", "k", "--ready-file", "r", "--enforce-rbac", "--manifest", "rbac.yaml",
         "--service-account-kubeconfig", "orchestra/orchestra-sync=/tmp/k-sync"]
    )  # fmt: skip
    assert arguments.enforce_rbac
    assert arguments.manifest == [Path("rbac.yaml")]
    assert arguments.service_account_kubeconfig == [
        (("orchestra", "orchestra-sync"), Path("/tmp/k-sync"))
    ]
    for wrong in ("orchestra-sync=/tmp/k", "orchestra/=/tmp/k", "orchestra/sync="):
        with pytest.raises(argparse.ArgumentTypeError):
            _account_kubeconfig(wrong)
