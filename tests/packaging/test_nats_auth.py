"""docker compose and the chart carry the bus's permissions as the contract renders them.

Compose cannot run here, but its NATS configuration can: the real nats-server
loads ``deploy/nats/auth.conf`` with compose's default passwords in its
environment, and each service's user gets in with the password compose gives it.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import nats.errors
import pytest
import pytest_asyncio
import yaml
from pydantic import SecretStr

from orchestra_devstack.natsconfigs import chart_merge, compose_conf, password_variable
from orchestra_devstack.natsservers import find_nats_server
from orchestra_devstack.probes import LOOPBACK, free_port, http_ok
from orchestra_devstack.processes import ManagedProcess
from orchestra_shared import subjects
from orchestra_shared.permissions import SERVICE_USERS, USERS
from orchestra_shared.settings import NatsSettings, nats_options
from orchestra_shared.streaming import ensure_stream

ROOT = Path(__file__).resolve().parents[2]
AUTH_CONF = ROOT / "deploy" / "nats" / "auth.conf"
DEFAULT = re.compile(r"^\$\{(?P<variable>[A-Z_]+):-(?P<default>[^}]+)\}$")


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def values() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "charts/orchestra/values.yaml").read_text())
    return data


def nats_chart_values() -> dict[str, Any]:
    """The official NATS chart's values for the sibling release (deploy/nats/values.yaml)."""
    data: dict[str, Any] = yaml.safe_load((ROOT / "deploy/nats/values.yaml").read_text())
    return data


def compose_default(value: str) -> tuple[str, str]:
    """``${VAR:-default}`` → (VAR, default)."""
    match = DEFAULT.match(value)
    assert match, f"{value!r} is not ${{VAR:-default}}"
    return match["variable"], match["default"]


def test_the_compose_nats_config_is_the_rendered_contract() -> None:
    assert AUTH_CONF.read_text() == compose_conf(), (
        "regenerate: .venv/bin/python -m orchestra_devstack.natsconfigs compose "
        "> deploy/nats/auth.conf"
    )
    nats_service = compose()["services"]["nats"]
    assert "./deploy/nats/auth.conf:/etc/nats/auth.conf:ro" in nats_service["volumes"]
    command = nats_service["command"]
    assert command[command.index("-c") + 1] == "/etc/nats/auth.conf"
    assert set(nats_service["environment"]) == {password_variable(user) for user in USERS}


@pytest.mark.parametrize("service", SERVICE_USERS)
def test_each_compose_service_connects_as_itself_with_the_password_nats_expects(
    service: str,
) -> None:
    services = compose()["services"]
    environment = services[service]["environment"]
    prefix = f"ORCHESTRA_{service.upper()}_"
    assert environment[prefix + "NATS_USER"] == service
    variable, default = compose_default(environment[prefix + "NATS_PASSWORD"])
    assert variable == password_variable(service)
    assert compose_default(services["nats"]["environment"][variable]) == (variable, default)


@pytest_asyncio.fixture
async def compose_nats(tmp_path: Path) -> AsyncIterator[str]:
    """nats-server with compose's config file and compose's default passwords."""
    port, monitor = free_port(), free_port()
    passwords = {
        variable: compose_default(value)[1]
        for variable, value in compose()["services"]["nats"]["environment"].items()
    }
    process = ManagedProcess(
        "compose-nats",
        [
            str(find_nats_server()),
            "-c",
            str(AUTH_CONF),
            "-a",
            LOOPBACK,
            "-p",
            str(port),
            "-m",
            str(monitor),
            "-js",
            "-sd",
            str(tmp_path / "js"),
        ],
        log_path=tmp_path / "nats.log",
        env={**os.environ, **passwords},
        health=http_ok(f"http://{LOOPBACK}:{monitor}/healthz"),
    )
    await process.start()
    try:
        yield f"nats://{LOOPBACK}:{port}"
    finally:
        await process.stop()


async def test_the_compose_config_loads_and_lets_each_service_in_as_itself(
    compose_nats: str,
) -> None:
    services = compose()["services"]
    for service in SERVICE_USERS:
        environment = services[service]["environment"]
        password = compose_default(environment[f"ORCHESTRA_{service.upper()}_NATS_PASSWORD"])[1]
        settings = NatsSettings(
            nats_url=compose_nats, nats_user=service, nats_password=SecretStr(password)
        )
        client = await nats.connect(**nats_options(settings), allow_reconnect=False)
        try:
            await ensure_stream(client.jetstream())  # a grant of every service
            if service == "api":
                # Permissions came with the file, not only passwords: the api fakes no status.
                with pytest.raises(nats.errors.TimeoutError):
                    await client.jetstream().publish(subjects.STATUS_CHANGED, b"{}", timeout=1)
        finally:
            await client.close()
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(compose_nats, allow_reconnect=False)


def test_the_nats_releases_users_are_the_rendered_contract() -> None:
    chart, nats_chart = values(), nats_chart_values()
    assert nats_chart["config"]["merge"] == {"authorization": chart_merge()}, (
        "regenerate: .venv/bin/python -m orchestra_devstack.natsconfigs chart, into "
        "deploy/nats/values.yaml's config.merge"
    )
    assert nats_chart["config"]["jetstream"]["enabled"] is True
    secret = chart["natsAuth"]["secretName"]
    environment = nats_chart["container"]["env"]
    for user in USERS:
        reference = environment[password_variable(user)]["valueFrom"]["secretKeyRef"]
        assert reference == {"name": secret, "key": user}
    services = chart["natsAuth"]["services"]
    assert set(services) == set(SERVICE_USERS)
    for service, credentials in services.items():
        assert credentials == {"user": service, "passwordKey": service}
