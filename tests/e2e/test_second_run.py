"""The dev stack run again on the state its last run left, as ``make dev`` twice would.

Postgres and JetStream keep their data in the state directory; the emulated cluster
keeps nothing. The second run must take launches as the first did, and record the
first run's workshops, which no cluster has any more, as ended.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.stacking import as_learner, instance, running_stack, wait_for

# Above the sum of the waits below plus starting and stopping the stack (a minute or
# more each on a loaded machine): the bound only catches a hang.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(540)]
ADA = "ada.twice@example.org"


async def launch_until_ready(client: httpx.AsyncClient, template: str) -> str:
    launched = await client.post(
        "/api/v1/instances", json={"template": template}, headers=as_learner(ADA)
    )
    assert launched.status_code == 202, launched.text
    name: str = launched.json()["name"]

    async def phase() -> Any:
        return (await instance(client, name, ADA))["phase"]

    await wait_for(phase, until=lambda p: p == "Ready", timeout=60, what=f"{name} Ready")
    return name


async def test_a_second_run_on_kept_state_takes_launches_and_ends_the_first_runs() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="orchestra-e2e-twice-"))
    async with (
        running_stack(workdir=workdir) as first,
        httpx.AsyncClient(base_url=first.api_url, timeout=30) as client,
    ):
        earlier = await launch_until_ready(client, "jupyter")

    async with (
        running_stack(workdir=workdir) as second,
        httpx.AsyncClient(base_url=second.api_url, timeout=30) as client,
    ):
        later = await launch_until_ready(client, "rstudio")

        async def the_earlier() -> Any:
            return await instance(client, earlier, ADA)

        ended = await wait_for(
            the_earlier,
            until=lambda body: body["phase"] == "Terminated",
            timeout=60,
            what="the first run's workshop to be recorded as ended",
        )
        assert ended["reason"] == "vanished"
        assert (await instance(client, later, ADA))["phase"] == "Ready"
