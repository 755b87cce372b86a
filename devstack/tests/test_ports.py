"""The launcher's check that its fixed ports are free: a listener is, a stopped stack is not."""

from __future__ import annotations

import socket

import pytest

from orchestra_devstack.probes import LOOPBACK
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
