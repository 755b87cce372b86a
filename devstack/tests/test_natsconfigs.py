"""The dev stack's NATS runs with authorization and gives each service its own user."""

from __future__ import annotations

from pathlib import Path

import nats
import nats.errors
import pytest

from orchestra_devstack.environments import BUS_USERS, Front, service_environment
from orchestra_devstack.natsconfigs import EnvReference, render_conf
from orchestra_devstack.natsservers import NatsServer
from orchestra_devstack.stacks import StackOptions
from orchestra_shared.permissions import ADMIN, USERS


def test_each_service_gets_its_own_user_and_password_and_never_the_admins(
    tmp_path: Path,
) -> None:
    passwords = {user: f"pw-{user}" for user in USERS}
    environment = service_environment(
        StackOptions(root=tmp_path, workdir=tmp_path, metrics_ports={}),
        nats_url="nats://127.0.0.1:4222",
        nats_passwords=passwords,
        dsn="postgresql://x@127.0.0.1/x",
        kubeconfig=tmp_path / "kubeconfig",
        emulated=True,
        front=Front(dashboard_port=1, gate_port=2, standin_port=3),
    )
    for service in BUS_USERS:
        prefix = f"ORCHESTRA_{service.upper()}_"
        env = environment[service]
        assert env[prefix + "NATS_USER"] == service
        assert env[prefix + "NATS_PASSWORD"] == f"pw-{service}"
        assert env[prefix + "NATS_URL"] == "nats://127.0.0.1:4222"
        assert passwords[ADMIN] not in "".join(env.values())


def test_passwords_from_the_environment_are_written_as_variables() -> None:
    text = render_conf({user: EnvReference(f"PW_{user.upper()}") for user in USERS})
    assert "password: $PW_API\n" in text
    assert '"_INBOX.api.>"' in text


async def test_the_servers_own_url_is_the_admins_and_its_address_lets_no_one_in(
    nats_server: NatsServer,
) -> None:
    assert nats_server.url.startswith(f"nats://{ADMIN}:")
    client = await nats.connect(nats_server.url)
    await client.close()
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(nats_server.address, allow_reconnect=False)
    config = nats_server.store_dir.parent / "nats.conf"
    assert config.stat().st_mode & 0o077 == 0  # the passwords are its owner's only


async def test_a_restarted_server_keeps_its_passwords(nats_server: NatsServer) -> None:
    before = dict(nats_server.passwords)
    await nats_server.restart()
    client = await nats.connect(nats_server.url)
    await client.close()
    assert nats_server.passwords == before
