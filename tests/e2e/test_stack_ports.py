"""A metrics port chosen free but taken before the service binds it: another port, not a
failed stack (as when a browser or another test grabbed it in between)."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import pytest

from orchestra_devstack.probes import LOOPBACK, free_port
from orchestra_devstack.stacks import StackOptions, port_was_taken, start_stack
from tests.e2e.stacking import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


def test_only_the_last_starts_log_counts() -> None:
    earlier = "--- expiry: start #1: [...]\nOSError: [Errno 98] Address already in use\n"
    assert port_was_taken(earlier, "expiry")
    assert not port_was_taken(earlier + "--- expiry: start #2: [...]\nKeyError: 'x'\n", "expiry")


async def test_a_metrics_port_taken_before_the_service_binds_it_is_replaced() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="orchestra-e2e-ports-"))
    os.chmod(workdir, 0o755)  # Postgres runs as its own user and must reach its data dir
    with socket.create_server((LOOPBACK, 0)) as squatter:  # listens, never answers
        taken = squatter.getsockname()[1]
        options = StackOptions(
            root=ROOT,
            workdir=workdir,
            api_port=free_port(),
            metrics_ports={"operator": free_port(), "sync": free_port(), "expiry": taken},
        )
        stack = await start_stack(options)
        try:
            assert stack.service("expiry").running
            assert f":{taken}/" not in stack.metrics_urls["expiry"]
            assert stack.service("expiry").starts == 1  # a new process, on a new port
        finally:
            await stack.stop()
