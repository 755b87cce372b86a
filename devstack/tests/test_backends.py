"""Backend choice: only local processes exist; the Docker probe answers fast."""

from __future__ import annotations

import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestra_devstack.backends import BackendUnavailableError, docker_available
from orchestra_devstack.natsservers import start_nats
from orchestra_devstack.postgresservers import start_postgres


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    # Unix socket paths are limited to ~100 bytes; pytest's tmp_path can be longer.
    with tempfile.TemporaryDirectory(prefix="dk-") as path:
        yield Path(path)


def serve_once(
    listener: socket.socket, answer: bytes | None, released: threading.Event | None = None
) -> None:
    connection, _ = listener.accept()
    with connection:
        connection.recv(1024)
        if answer is None:
            assert released is not None
            released.wait()  # an engine that hangs until the test is over
        else:
            connection.sendall(answer)


def unix_listener(path: Path) -> socket.socket:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)
    return listener


def test_no_socket_means_no_docker(short_tmp: Path) -> None:
    assert not docker_available(socket_path=short_tmp / "docker.sock")


def test_this_machine_has_no_docker_engine() -> None:
    assert not docker_available()


@pytest.mark.timeout(60)  # without its own timeout, the probe would wait here for ever
def test_an_engine_that_does_not_answer_times_out(short_tmp: Path) -> None:
    path = short_tmp / "docker.sock"
    released = threading.Event()
    with unix_listener(path) as listener:
        threading.Thread(target=serve_once, args=(listener, None, released), daemon=True).start()
        try:
            assert not docker_available(socket_path=path, timeout=0.2)
        finally:
            released.set()


def test_an_engine_answering_ping_is_available(short_tmp: Path) -> None:
    path = short_tmp / "docker.sock"
    with unix_listener(path) as listener:
        answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"
        threading.Thread(target=serve_once, args=(listener, answer), daemon=True).start()
        assert docker_available(socket_path=path)


async def test_the_container_backend_is_refused_with_a_reason() -> None:
    with pytest.raises(BackendUnavailableError, match="not implemented"):
        await start_nats(backend="container")
    with pytest.raises(BackendUnavailableError, match="backend='process'"):
        await start_postgres(backend="container")
