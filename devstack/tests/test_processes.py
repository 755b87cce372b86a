"""Process supervision: health waits, stopping whole groups, crashes and restarts."""

from __future__ import annotations

import asyncio
import gc
import os
import re
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


WORKING = ["sh", "-c", "while :; do echo working; sleep 0.05; done"]  # logs all the time


async def test_a_start_without_progress_is_stuck_and_raises_with_log_tail_and_kills(
    tmp_path: Path, live_group_members: LiveMembers
) -> None:
    process = ManagedProcess(
        "stuck",
        ["sh", "-c", "echo still-booting-marker; sleep 60"],
        log_path=tmp_path / "stuck.log",
        health=never(),
        stall_timeout=0.5,
    )
    with pytest.raises(HealthCheckTimeoutError) as caught:
        await process.start()
    assert "still-booting-marker" in str(caught.value)
    assert "made no progress (no log output, no CPU time) for 0.5 s" in str(caught.value)
    # What it was doing when it was called stuck: the shell waits for its child, which sleeps.
    assert re.search(
        r"its threads: \d+/\d+ sh: S in \S+; \d+/\d+ sleep: S in \S+", str(caught.value)
    )
    assert process.pid is not None
    assert not process.running
    assert live_group_members(process.pid) == []


async def test_a_start_that_makes_progress_is_waited_for_past_the_stall_timeout(
    tmp_path: Path,
) -> None:
    stall = 2.0
    started = time.monotonic()

    async def healthy_after_two_stalls() -> bool:
        return time.monotonic() - started > 2 * stall

    process = ManagedProcess(
        "slow",
        WORKING,
        log_path=tmp_path / "slow.log",
        health=healthy_after_two_stalls,
        stall_timeout=stall,
    )
    await process.start()
    assert process.running
    await process.stop()


async def test_a_pause_of_the_whole_machine_is_not_a_stall(tmp_path: Path) -> None:
    """The watcher and the process frozen together longer than the stall timeout (a
    host pausing the VM, a starved scheduler): the process resumes and gets healthy."""
    ready = tmp_path / "ready"
    calls = 0

    async def paused_then_ready() -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:  # freeze both: the process stopped, this loop blocked
            assert process.pid is not None
            os.killpg(process.pid, signal.SIGSTOP)
            time.sleep(4)  # noqa: ASYNC251 - blocking the loop is the point here
        elif calls == 2:
            assert process.pid is not None
            os.killpg(process.pid, signal.SIGCONT)
        return ready.exists()

    process = ManagedProcess(
        "paused",
        ["sh", "-c", f"sleep 1; echo resumed; touch {ready}; exec sleep 60"],
        log_path=tmp_path / "paused.log",
        health=paused_then_ready,
        stall_timeout=3.0,
    )
    try:
        await process.start()
        assert "resumed" in process.log_tail()
    finally:
        await process.stop()


async def test_a_start_that_works_but_never_gets_healthy_ends_at_the_start_timeout(
    tmp_path: Path, live_group_members: LiveMembers
) -> None:
    process = ManagedProcess(
        "busy",
        WORKING,
        log_path=tmp_path / "busy.log",
        health=never(),
        start_timeout=1,
        stall_timeout=3600,
    )
    with pytest.raises(HealthCheckTimeoutError) as caught:
        await process.start()
    assert "not healthy within 1 s, although it kept running and working" in str(caught.value)
    assert "working" in caught.value.log_tail
    assert process.pid is not None
    assert live_group_members(process.pid) == []


@pytest.mark.timeout(60)  # the only bound: waiting for either timeout below is the failure
async def test_exit_before_healthy_raises_at_once_with_log_tail(tmp_path: Path) -> None:
    process = ManagedProcess(
        "broken",
        ["sh", "-c", "echo 'bad config: no such option' >&2; exit 3"],
        log_path=tmp_path / "broken.log",
        health=never(),
        start_timeout=3600,
        stall_timeout=3600,
    )
    with pytest.raises(ProcessExitedEarlyError) as caught:
        await process.start()
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
    assert time.monotonic() - started >= 0.3  # it had its grace; then SIGKILL:
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
    deadline = time.monotonic() + 60  # SIGKILL was sent; the kernel finishes it (a busy one late)
    while live_group_members(pid):
        assert time.monotonic() < deadline, "the safety net's SIGKILL never took effect"
        await asyncio.sleep(0.02)


def test_read_log_tail_returns_the_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    assert read_log_tail(log) == ""
    log.write_text("".join(f"line {n}\n" for n in range(100)))
    assert read_log_tail(log, lines=3) == "line 97\nline 98\nline 99"


def test_free_port_can_be_bound() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
