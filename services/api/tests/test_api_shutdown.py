"""SIGTERM with dashboards' event streams open: the api ends them and exits in bounded time.

The api runs as its own process (``orchestra-api``), as in a Kubernetes pod, with
two learners' streams open. uvicorn waits for every open response before it
stops; an event stream never ends by itself, so without ending them the process
would wait for the SIGKILL that follows Kubernetes' 30 s grace.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx
from services.api.tests.apis import ADA, BOB, eventually, learner

from orchestra_devstack.natsservers import NatsServer
from orchestra_devstack.probes import free_port
from orchestra_devstack.pytest_plugin import Database

KUBERNETES_GRACE = 30.0


async def test_sigterm_ends_open_event_streams_and_the_process_exits(
    migrated: Database, nats_server: NatsServer, catalog_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRA_")},
        "ORCHESTRA_API_DATABASE_DSN": migrated.dsn,
        "ORCHESTRA_API_NATS_URL": nats_server.url,
        "ORCHESTRA_API_CATALOG_DIR": str(catalog_dir),
        "ORCHESTRA_API_HOST": "127.0.0.1",
        "ORCHESTRA_API_PORT": str(port),
        "ORCHESTRA_API_IDENTITY": "trusted-headers",
        "ORCHESTRA_API_TRUSTED_PROXIES": '["127.0.0.1/32"]',
        "ORCHESTRA_API_ENVIRONMENT": "development",
    }
    log = (tmp_path / "api.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "orchestra-api"), env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:

            async def serving() -> bool:
                try:
                    answer = await client.get("/readyz")
                except httpx.TransportError:
                    return False
                return bool(answer.json()["checks"].get("nats") == "ok")

            await eventually(serving, timeout=60, what="the api to serve")
            async with (
                client.stream("GET", "/api/v1/events", headers=learner(ADA)) as ada,
                client.stream("GET", "/api/v1/events", headers=learner(BOB)) as bob,
            ):
                for stream in (ada, bob):
                    assert stream.status_code == 200
                process.send_signal(signal.SIGTERM)
                # Each stream comes to its end (the browser then reconnects elsewhere).
                for stream in (ada, bob):
                    await asyncio.wait_for(_read_to_the_end(stream), timeout=KUBERNETES_GRACE)
        returncode = await asyncio.wait_for(process.wait(), timeout=KUBERNETES_GRACE)
        logged = (tmp_path / "api.log").read_text()
        # uvicorn re-raises the signal it caught once it has shut down cleanly.
        assert returncode in (0, -signal.SIGTERM), logged[-2000:]
        assert "Application shutdown complete" in logged
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        log.close()


async def _read_to_the_end(stream: httpx.Response) -> None:
    try:
        async for _ in stream.aiter_raw():
            pass
    except httpx.RemoteProtocolError:
        pass  # a connection closed without the last chunk: ended too
