"""Process supervision: health waits, stopping whole groups, crashes and restarts."""

from __future__ import annotations

import asyncio
import gc
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from orchestra_devstack.probes import HealthCheck, file_exists, free_port, http_ok, tcp_accepts
from orchestra_devstack.processes import (
    HealthCheckTimeoutError,
    ManagedProcess,
    ProcessExitedEarlyError,
    read_log_tail,
)

LiveMembers = Callable[[int], list[int]]


def never() -> HealthCheck:
    async def probe() -> bool:
        return False

    return probe


def listener(port: int) -> list[str]:
    """A tiny TCP server, as a stand-in for a service with a port."""
    code = (
        "import socket, time\n"
        f"s = socket.create_server(('127.0.0.1', {port}))\n"
        "print('listening', flush=True)\n"
        "while True: time.sleep(1)\n"
    )
    return [sys.executable, "-c", code]


async def test_health_timeout_raises_with_log_tail_and_kills(
    tmp_path: Path, live_group_members: LiveMembers
) -> None:
    process = ManagedProcess(
        "slow",
        ["sh", "-c", "echo still-booting-marker; sleep 60"],
        log_path=tmp_path / "slow.log",
        health=never(),
        start_timeout=0.5,
    )
    with pytest.raises(HealthCheckTimeoutError) as caught:
        await process.start()
    assert "still-booting-marker" in str(caught.value)
    assert "not healthy within 0.5 s" in str(caught.value)
    assert process.pid is not None
    assert not process.running
    assert live_group_members(process.pid) == []


async def test_exit_before_healthy_raises_at_once_with_log_tail(tmp_path: Path) -> None:
    process = ManagedProcess(
        "broken",
        ["sh", "-c", "echo 'bad config: no such option' >&2; exit 3"],
        log_path=tmp_path / "broken.log",
        health=never(),
        start_timeout=30,
    )
    started = time.monotonic()
    with pytest.raises(ProcessExitedEarlyError) as caught:
        await process.start()
    assert time.monotonic() - started < 5
    assert "exited with code 3" in str(caught.value)
    assert "bad config: no such option" in caught.value.log_tail


async def test_stop_terminates_the_whole_process_group(
    tmp_path: Path, live_group_members: LiveMembers
) -> None:
    ready = tmp_path / "ready"
    process = ManagedProcess(
        "parent",
        ["sh", "-c", f"sleep 1000 & sleep 1000 & touch {ready}; wait"],
        log_path=tmp_path / "parent.log",
        health=file_exists(ready),
    )
    await process.start()
    assert process.pid is not None
    assert len(live_group_members(process.pid)) == 3  # sh and two sleeps

    await process.stop()

    assert not process.running
    assert live_group_members(process.pid) == []


async def test_stop_escalates_to_sigkill_after_the_grace_period(
    tmp_path: Path, live_group_members: LiveMembers
) -> None:
    ready = tmp_path / "ready"
    process = ManagedProcess(
        "stubborn",
        ["sh", "-c", f"trap '' TERM; touch {ready}; while :; do sleep 0.05; done"],
        log_path=tmp_path / "stubborn.log",
        health=file_exists(ready),
        stop_grace=0.3,
    )
    await process.start()
    started = time.monotonic()
    await process.stop()
    assert 0.3 <= time.monotonic() - started < 3
    assert process.returncode == -signal.SIGKILL
    assert process.pid is not None
    assert live_group_members(process.pid) == []


async def test_kill_then_restart_serves_the_same_port_again(tmp_path: Path) -> None:
    port = free_port()
    probe = tcp_accepts("127.0.0.1", port)
    process = ManagedProcess(
        "listener", listener(port), log_path=tmp_path / "listener.log", health=probe
    )
    await process.start()
    first_pid = process.pid

    await process.kill()
    assert process.returncode == -signal.SIGKILL
    assert not await probe()

    await process.restart()
    assert process.running
    assert process.pid != first_pid
    assert process.starts == 2
    assert await probe()
    log = process.log_tail()
    assert "start #1" in log
    assert "start #2" in log
    await process.stop()


async def test_http_probe_waits_for_a_200(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    assert not await http_ok(url)()
    process = ManagedProcess(
        "http",
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        log_path=tmp_path / "http.log",
        cwd=tmp_path,
        health=http_ok(url),
    )
    await process.start()
    try:
        assert await http_ok(url)()
    finally:
        await process.stop()


async def test_env_and_cwd_are_passed_to_the_command(tmp_path: Path) -> None:
    process = ManagedProcess(
        "env",
        ["sh", "-c", 'echo "$ORCHESTRA_PROBE in $(pwd)" > part && mv part out; sleep 1000'],
        log_path=tmp_path / "env.log",
        env={"ORCHESTRA_PROBE": "hello"},
        cwd=tmp_path,
        health=file_exists(tmp_path / "out"),
    )
    await process.start()
    await process.stop()
    assert (tmp_path / "out").read_text().strip() == f"hello in {tmp_path}"


async def test_unreferenced_process_is_killed_by_the_safety_net(
    tmp_path: Path, live_group_members: LiveMembers
) -> None:
    ready = tmp_path / "ready"
    process = ManagedProcess(
        "orphan",
        ["sh", "-c", f"touch {ready}; sleep 1000"],
        log_path=tmp_path / "orphan.log",
        health=file_exists(ready),
    )
    await process.start()
    pid = process.pid
    assert pid is not None
    del process
    gc.collect()
    for _ in range(250):  # SIGKILL was sent; give the kernel up to 5 s to finish
        if not live_group_members(pid):
            break
        await asyncio.sleep(0.02)
    assert live_group_members(pid) == []


def test_read_log_tail_returns_the_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    assert read_log_tail(log) == ""
    log.write_text("".join(f"line {n}\n" for n in range(100)))
    assert read_log_tail(log, lines=3) == "line 97\nline 98\nline 99"


def test_free_port_can_be_bound() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
