"""Ports: the launcher's check that its fixed ports are free (a listener holds one, a
stopped stack does not), and the ports handed out to servers, each once, below the
kernel's own picks and never to two processes (``ports``)."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from orchestra_devstack.ports import PortAllocator, bindable, block_starts, ephemeral_low
from orchestra_devstack.probes import LOOPBACK, free_port
from orchestra_devstack.stacks import PortInUseError, ensure_port_free


def test_a_port_with_a_server_listening_is_in_use() -> None:
    with socket.create_server((LOOPBACK, 0)) as server:
        port = server.getsockname()[1]
        with pytest.raises(PortInUseError, match="ORCHESTRA_DASHBOARD_PORT"):
            ensure_port_free(port, setting="ORCHESTRA_DASHBOARD_PORT")


def test_connections_left_by_a_stack_just_stopped_do_not_hold_the_port() -> None:
    with socket.create_server((LOOPBACK, 0)) as server:
        port = server.getsockname()[1]
        client = socket.create_connection((LOOPBACK, port))
        accepted, _ = server.accept()
        accepted.close()  # the server closes first: its side of the port waits in TIME_WAIT
        client.close()
    ensure_port_free(port)  # as after Ctrl-C on `make dev`, then `make dev` again


# The allocators here use the real lock folder, so that the ports they probe (and the one
# test that listens) lie in blocks no other process (another pytest worker) holds.


@pytest.fixture
def allocator() -> Iterator[PortAllocator]:
    ports = PortAllocator()
    yield ports
    ports.close()


def one_block() -> PortAllocator:
    """An allocator holding exactly one block, all of whose ports are free, from the first."""
    for start in block_starts(ephemeral_low()):
        ports = PortAllocator(starts=[start])
        if ports.take(LOOPBACK) == start and all(
            bindable(LOOPBACK, port) for port in range(start, start + ports.size)
        ):
            ports.close()
            return PortAllocator(starts=[start])  # the same block, from its first port
        ports.close()
    raise AssertionError("no block below the ephemeral range is free to claim")


def test_blocks_lie_whole_below_the_kernels_own_range() -> None:
    assert block_starts(32768, lowest=10_000, size=200)[:2] == [10_000, 10_200]
    assert block_starts(32768, lowest=10_000, size=200)[-1] == 32_400  # ends at 32599
    assert block_starts(10_150, lowest=10_000, size=200) == []  # no room: none


def test_a_process_never_gets_the_same_port_twice(allocator: PortAllocator) -> None:
    # The kernel's picks repeat within a few thousand (the birthday bound): these must not.
    ports = [allocator.take(LOOPBACK) for _ in range(3000)]
    assert len(set(ports)) == len(ports)
    assert max(ports) < ephemeral_low()  # never one the kernel may give a bind to port 0


def test_the_shared_free_port_comes_from_a_block_of_this_process() -> None:
    port = free_port()
    assert port < ephemeral_low()
    assert free_port() != port


def test_two_holders_of_the_lock_folder_never_share_a_block() -> None:
    first, second = PortAllocator(), PortAllocator()
    try:
        a = {first.take(LOOPBACK) for _ in range(450)}  # three blocks
        b = {second.take(LOOPBACK) for _ in range(450)}
        assert len(first.blocks) == len(second.blocks) == 3
        assert not set(first.blocks) & set(second.blocks)
        assert not a & b
    finally:
        first.close()
        second.close()


def test_processes_taking_ports_at_once_get_none_in_common() -> None:
    program = (
        "import sys; from orchestra_devstack.ports import PortAllocator; p = PortAllocator();"
        "sys.stdin.readline();"  # all start together
        "print(' '.join(str(p.take('127.0.0.1')) for _ in range(300)), flush=True);"
        "sys.stdin.readline()"  # and hold their blocks until all have printed
    )
    children = [
        subprocess.Popen(
            [sys.executable, "-c", program],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    taken: list[set[int]] = []
    try:
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        for child in children:
            assert child.stdout is not None
            taken.append({int(port) for port in child.stdout.readline().split()})
    finally:
        for child in children:
            assert child.stdin is not None
            child.stdin.close()
            child.wait(timeout=30)
    assert [len(ports) for ports in taken] == [300, 300, 300]
    assert len(taken[0] | taken[1] | taken[2]) == 900


def test_a_port_another_program_listens_on_is_skipped() -> None:
    ports = one_block()
    try:
        start = ports.starts[0]
        with socket.create_server((LOOPBACK, start + 1)):
            assert [ports.take(LOOPBACK) for _ in range(2)] == [start, start + 2]
    finally:
        ports.close()


def test_a_process_that_holds_all_it_can_goes_round_its_own_blocks() -> None:
    ports = one_block()
    try:
        start = ports.starts[0]
        taken = [ports.take(LOOPBACK) for _ in range(ports.size + 2)]
        assert taken[: ports.size] == list(range(start, start + ports.size))
        assert taken[ports.size :] == [start, start + 1]  # round again, not the kernel
    finally:
        ports.close()


def test_with_no_block_to_claim_the_kernel_picks_and_never_repeats() -> None:
    ports = PortAllocator(starts=[])
    picked = [ports.take(LOOPBACK) for _ in range(3000)]
    assert len(set(picked)) == len(picked)
    assert min(picked) >= ephemeral_low()
