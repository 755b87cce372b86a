"""NATS on loopback: JetStream works, and data survives stop, crash and restart."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path

import nats
import pytest
from nats.js.errors import NotFoundError

from orchestra_devstack import natsservers
from orchestra_devstack.natsservers import NatsServer, find_nats_server, start_nats
from orchestra_devstack.probes import free_port, http_ok, tcp_accepts

LiveMembers = Callable[[int], list[int]]


async def publish_one(url: str, *, subject: str, data: bytes) -> None:
    client = await nats.connect(url)
    try:
        stream = await client.jetstream().find_stream_name_by_subject(subject)
        assert stream == "ORDERS"
        await client.jetstream().publish(subject, data)
    finally:
        await client.close()


async def stored_messages(url: str) -> list[bytes]:
    client = await nats.connect(url)
    try:
        js = client.jetstream()
        info = await js.stream_info("ORDERS")
        return [
            (await js.get_msg("ORDERS", seq)).data or b""
            for seq in range(info.state.first_seq, info.state.last_seq + 1)
        ]
    finally:
        await client.close()


async def add_stream(url: str) -> None:
    client = await nats.connect(url)
    try:
        await client.jetstream().add_stream(name="ORDERS", subjects=["orders.>"])
    finally:
        await client.close()


def test_binary_comes_from_the_virtualenv() -> None:
    assert find_nats_server().parent.name == "bin"
    assert find_nats_server().is_file()


async def test_jetstream_messages_survive_a_graceful_restart(nats_server: NatsServer) -> None:
    assert nats_server.address == f"nats://127.0.0.1:{nats_server.port}"
    await add_stream(nats_server.url)
    await publish_one(nats_server.url, subject="orders.1", data=b"first")

    await nats_server.stop()
    assert not await tcp_accepts("127.0.0.1", nats_server.port)()
    await nats_server.start()

    assert await http_ok(f"{nats_server.monitor_url}/healthz")()
    assert await stored_messages(nats_server.url) == [b"first"]


async def test_jetstream_messages_survive_a_crash(nats_server: NatsServer) -> None:
    await add_stream(nats_server.url)
    await publish_one(nats_server.url, subject="orders.1", data=b"acked before the crash")
    old_pid = nats_server.pid

    await nats_server.kill()
    assert not nats_server.running
    await nats_server.restart()

    assert nats_server.pid != old_pid
    assert await stored_messages(nats_server.url) == [b"acked before the crash"]


async def test_a_connected_client_reconnects_after_an_outage(nats_server: NatsServer) -> None:
    await add_stream(nats_server.url)
    reconnected = asyncio.Event()

    async def on_reconnect() -> None:
        reconnected.set()

    client = await nats.connect(
        nats_server.url, reconnected_cb=on_reconnect, reconnect_time_wait=0.1
    )
    try:
        await nats_server.kill()
        await asyncio.sleep(0.2)
        await nats_server.start()
        await asyncio.wait_for(reconnected.wait(), timeout=60)
        await client.jetstream().publish("orders.2", b"after the outage")
    finally:
        await client.close()
    assert await stored_messages(nats_server.url) == [b"after the outage"]


async def test_a_fresh_server_has_no_streams(nats_server: NatsServer) -> None:
    client = await nats.connect(nats_server.url)
    try:
        with pytest.raises(NotFoundError):
            await client.jetstream().stream_info("ORDERS")
    finally:
        await client.close()


async def test_close_stops_the_server_and_removes_its_temporary_dir(
    live_group_members: LiveMembers,
) -> None:
    server = await start_nats()
    workdir = server.store_dir.parent
    pid = server.pid
    assert pid is not None
    assert live_group_members(pid) == [pid]

    await server.close()

    assert live_group_members(pid) == []
    assert not workdir.exists()
    assert not await tcp_accepts("127.0.0.1", server.port)()


async def test_explicit_workdir_and_ports_are_kept(tmp_path: Path) -> None:
    async with await start_nats(workdir=tmp_path, name="events") as server:
        assert server.store_dir == tmp_path / "jetstream"
        assert (tmp_path / "nats.log").exists()
        port, monitor_port = server.port, server.monitor_port
        await server.restart()
        assert (server.port, server.monitor_port) == (port, monitor_port)
    assert await asyncio.to_thread(tmp_path.exists)  # not ours to delete


async def test_a_chosen_port_taken_before_the_server_binds_it_is_chosen_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another suite on the machine took the port between choosing and binding."""
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    taken = squatter.getsockname()[1]
    choices = iter([taken, free_port(), free_port(), free_port()])
    monkeypatch.setattr(natsservers, "free_port", lambda: next(choices))
    try:
        server = await start_nats(workdir=tmp_path / "nats")
        try:
            assert server.port != taken
            client = await nats.connect(server.url)
            await client.close()
        finally:
            await server.close()
    finally:
        squatter.close()
