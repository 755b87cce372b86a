"""Talking to an api under test: identities, clients from trusted and untrusted peers.

Imported by the api's test modules (``conftest`` builds the ``Api`` fixture from it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from orchestra_api.config import ApiSettings
from orchestra_api.deps import AppState

PROXY_PEER = ("10.9.0.5", 41000)
STRANGER_PEER = ("203.0.113.9", 41000)
ADA = "ada@example.org"
BOB = "bob@example.org"
BOSS = "boss@example.org"  # an admin by email list
ADMIN_GROUP = "orchestra-admins"
GATE_SECRET = "tests-only-gate-ticket-secret-0123456789"

TEMPLATES: dict[str, dict[str, object]] = {
    # Two hours by default, three at most: room for one 1h extension from a 2h launch.
    "alpha": {"defaultDuration": "2h", "maxDuration": "3h"},
    "beta": {"defaultDuration": "1h", "maxDuration": "4h"},
    "gamma": {"defaultDuration": "1h", "maxDuration": "2h"},
    "delta": {"defaultDuration": "30m", "maxDuration": "1h"},
    "retired": {"defaultDuration": "1h", "maxDuration": "2h", "enabled": False},
}


def write_catalog(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for slug, fields in TEMPLATES.items():
        lines = [
            f"name: Template {slug.title()}",
            f"slug: {slug}",
            f"description: The {slug} workshop.",
            f"image: registry.example.org/{slug}:1.0",
            "port: 8888",
            *(f"{key}: {str(value).lower()}" for key, value in fields.items()),
            "resources:",
            '  cpu: "1"',
            "  memory: 2Gi",
            '  cpuRequest: "500m"',
            "  memoryRequest: 1Gi",
            "  ephemeralStorage: 2Gi",
            "  ephemeralStorageRequest: 1Gi",
        ]
        (directory / f"{slug}.yaml").write_text("\n".join(lines) + "\n")
    return directory


def api_settings(**overrides: Any) -> ApiSettings:
    fields: dict[str, Any] = {
        # Most tests speak as oauth2-proxy in the header topology; token tests override it.
        "identity": "trusted-headers",
        "trusted_proxies": [ip_network("10.9.0.0/24")],
        "admin_emails": [BOSS.upper()],
        "outbox_poll_interval": 0.2,
        "events_heartbeat": 0.5,
        "database_pool_size": 5,
        "gate_ticket_secret": GATE_SECRET,
        **overrides,
    }
    return ApiSettings(**fields)


def learner(email: str = ADA, **extra: str) -> dict[str, str]:
    return {"X-Auth-Request-Email": email, **extra}


def admin(email: str = "root@example.org") -> dict[str, str]:
    return {"X-Auth-Request-Email": email, "X-Auth-Request-Groups": f"staff,{ADMIN_GROUP}"}


@dataclass
class Api:
    app: FastAPI
    settings: ApiSettings

    @property
    def state(self) -> AppState:
        state: AppState = self.app.state.orchestra
        return state

    def client(
        self, peer: tuple[str, int] = PROXY_PEER, *, raise_app_exceptions: bool = True
    ) -> httpx.AsyncClient:
        """A client whose requests come from ``peer``; a 500 is answered, not raised,
        with ``raise_app_exceptions=False`` (Starlette re-raises after answering)."""
        transport = httpx.ASGITransport(
            app=self.app, client=peer, raise_app_exceptions=raise_app_exceptions
        )
        return httpx.AsyncClient(transport=transport, base_url="http://api.test", timeout=30)

    async def launch(
        self, who: dict[str, str], template: str = "alpha", **body: Any
    ) -> httpx.Response:
        async with self.client() as client:
            return await client.post(
                "/api/v1/instances", json={"template": template, **body}, headers=who
            )

    async def launched(self, who: dict[str, str], template: str = "alpha", **body: Any) -> str:
        response = await self.launch(who, template, **body)
        assert response.status_code == 202, response.text
        name: str = response.json()["name"]
        return name

    async def set_phase(self, name: str, phase: str, **columns: Any) -> None:
        """Play sync: write observed status into the row."""
        assignments = ", ".join(f"{column} = ${i + 3}" for i, column in enumerate(columns))
        await self.state.pool.execute(
            f"UPDATE instances SET phase = $2{', ' + assignments if columns else ''} "
            "WHERE name = $1",
            name,
            phase,
            *columns.values(),
        )


async def eventually(
    probe: Callable[[], Awaitable[Any]], *, timeout: float = 60.0, what: str
) -> Any:
    """Poll until ``probe`` returns something truthy (generous: the machine is shared)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last: {result!r}")
        await asyncio.sleep(0.05)


AppRunner = Callable[..., AbstractAsyncContextManager[Api]]
