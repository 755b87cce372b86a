"""Idle culling end to end, every service a process as ``make dev`` runs it (docs/src/content/docs/decisions/0060).

A catalog with one template whose idle rule is short (``timeout: 40s``,
``warning: 30s``: warned 10 s after the last activity, ended 30 s later), and a
gate that reports every half second with a floor of one event. Three learners:

- one does nothing: the live stream warns them (``event: idle``), then history
  records ``Terminated`` with reason ``idle``;
- one clicks "Keep my session" on the warning: they are warned again for a new
  idle period (the click restarted the clock), and the session was not ended in
  between;
- one works through the gate: their last activity, as admins see it, moves past
  the moment they became Ready.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from orchestra_devstack.standin.browsing import browser
from tests.e2e.stacking import ROOT, as_learner, history, instance, running_stack, wait_for

# Above the sum of the waits below plus starting and stopping the stack (a minute or
# more each on a loaded machine): the bound only catches a hang.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(480)]
IDLE_IN = "idle@example.org"
KEEPER = "keeper@example.org"
WORKER = "worker@example.org"
ADMIN = {"X-Auth-Request-Email": "root@example.org", "X-Auth-Request-Groups": "orchestra-admins"}


def idle_catalog() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="orchestra-idle-catalog-"))
    source = ROOT / "charts" / "orchestra" / "files" / "templates"
    shutil.copy(source / "template.schema.json", folder)
    text = (source / "jupyter.yaml").read_text()
    (folder / "jupyter.yaml").write_text(text + "idle:\n  timeout: 40s\n  warning: 30s\n")
    return folder


async def idle_warnings(api: httpx.AsyncClient, email: str) -> AsyncIterator[dict[str, Any]]:
    """The ``idle`` events of ``email``'s live stream, as they come."""
    async with api.stream(
        "GET", "/api/v1/events", headers=as_learner(email), timeout=httpx.Timeout(120)
    ) as response:
        assert response.status_code == 200
        kind = None
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: ") and kind == "idle":
                yield json.loads(line.removeprefix("data: "))


async def launch_ready(api: httpx.AsyncClient, email: str) -> dict[str, Any]:
    launched = await api.post(
        "/api/v1/instances", json={"template": "jupyter"}, headers=as_learner(email)
    )
    assert launched.status_code == 202, launched.text
    name = launched.json()["name"]
    ready: dict[str, Any] = await wait_for(
        lambda: instance(api, name, email),
        until=lambda body: body["phase"] == "Ready",
        timeout=90,
        what=f"{name} Ready",
    )
    return ready


async def test_idle_sessions_are_warned_kept_by_a_click_or_by_work_and_otherwise_end() -> None:
    async with (
        running_stack(
            service_env={
                "gate": {
                    "ORCHESTRA_GATE_ACTIVITY_WINDOW": "0.5",
                    "ORCHESTRA_GATE_ACTIVITY_FLOOR": "1",
                },
            },
            catalog_dir=idle_catalog(),
        ) as stack,
        httpx.AsyncClient(base_url=stack.api_url, timeout=20) as api,
    ):
        # Someone who does nothing: warned, then ended with reason idle.
        idle = await launch_ready(api, IDLE_IN)
        async for warning in idle_warnings(api, IDLE_IN):
            assert warning["instance"] == idle["name"]
            assert datetime.fromisoformat(warning["ends_at"]) > datetime.fromisoformat(
                warning["idle_since"]
            )
            break
        ended = await wait_for(
            lambda: history(api, idle["name"], IDLE_IN),
            until=lambda steps: steps and steps[-1]["phase"] == "Terminated",
            timeout=120,
            what="the idle session ended",
        )
        assert ended[-1]["reason"] == "idle"

        # Someone who clicks "Keep my session": a second warning, for a later idle period.
        kept = await launch_ready(api, KEEPER)
        seen: list[dict[str, Any]] = []
        async for warning in idle_warnings(api, KEEPER):
            seen.append(warning)
            if len(seen) == 1:
                response = await api.post(
                    f"/api/v1/instances/{kept['name']}/keep", headers=as_learner(KEEPER)
                )
                assert response.status_code == 202, response.text
                assert (await instance(api, kept["name"], KEEPER))["phase"] == "Ready"
            else:
                break
        first_since, second_since = (datetime.fromisoformat(w["idle_since"]) for w in seen)
        assert second_since > first_since
        assert second_since >= datetime.fromisoformat(response.json()["kept_at"])
        steps = await history(api, kept["name"], KEEPER)
        assert "Terminated" not in [step["phase"] for step in steps]
        other = await api.post(f"/api/v1/instances/{kept['name']}/keep", headers=as_learner(WORKER))
        assert other.status_code == 404  # another learner's session is not theirs to keep

        # Someone working through the gate: their last activity moves on.
        worker = await launch_ready(api, WORKER)
        opened = await api.get(
            f"/api/v1/instances/{worker['name']}/open", headers=as_learner(WORKER)
        )
        assert opened.status_code == 303, opened.text

        async def last_active() -> str | None:
            listed = await api.get(
                "/api/v1/admin/idle-sessions", params={"quiet_seconds": 0}, headers=ADMIN
            )
            assert listed.status_code == 200, listed.text
            mine = [s for s in listed.json() if s["name"] == worker["name"]]
            return mine[0]["last_active_at"] if mine else None

        first = await wait_for(last_active, until=bool, timeout=60, what="the idle clock")
        async with browser() as client:
            async with client.get(opened.headers["location"]) as entered:
                assert entered.status == 200

            async def worked() -> str | None:
                async with client.get(worker["url"] + "lab") as page:
                    assert page.status == 200
                return await last_active()

            moved = await wait_for(
                worked,
                until=lambda at: at is not None and at > first,
                timeout=60,
                what="activity through the gate restarting the clock",
            )
        assert moved > first
