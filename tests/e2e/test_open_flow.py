"""Open, end to end through the dev stack: api ticket → gate → stand-in application.

Every process runs as ``make dev`` runs it. A Ready workshop's URL leads to the
gate on ``{instance}.localhost``; the owner's open link (the api's 303 with a
single-use ticket) lands in the stand-in application, WebSocket included;
another learner gets nothing, and the ticket cannot be used twice.
"""

from __future__ import annotations

import httpx
import pytest

from orchestra_devstack.standin.browsing import browser
from tests.e2e.stacking import as_learner, instance, running_stack, wait_for

# Above the sum of the waits below plus starting and stopping the stack (a minute or
# more each on a loaded machine): the bound only catches a hang.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]
ADA = "ada@example.org"
BOB = "bob@example.org"


async def test_the_owner_opens_a_ready_workshop_through_the_gate() -> None:
    async with (
        running_stack() as stack,
        httpx.AsyncClient(base_url=stack.api_url, timeout=30) as api,
    ):
        launched = await api.post(
            "/api/v1/instances", json={"template": "jupyter"}, headers=as_learner(ADA)
        )
        assert launched.status_code == 202, launched.text
        name = launched.json()["name"]
        ready = await wait_for(
            lambda: instance(api, name, ADA),
            until=lambda body: body["phase"] == "Ready",
            timeout=60,
            what="Ready",
        )
        assert ready["url"] == stack.gate_url.format(instance=name)

        assert (
            await api.get(f"/api/v1/instances/{name}/open", headers=as_learner(BOB))
        ).status_code == 404
        opened = await api.get(f"/api/v1/instances/{name}/open", headers=as_learner(ADA))
        assert opened.status_code == 303, opened.text
        with_ticket = opened.headers["location"]
        assert with_ticket.startswith(ready["url"].rstrip("/") + "/_orchestra/open?ticket=")

        async with browser() as client:
            async with client.get(ready["url"], allow_redirects=False) as response:
                assert response.status == 303  # no cookie yet: to the open flow
                assert response.headers["Location"].startswith(stack.dashboard_url)
            async with client.get(with_ticket) as response:
                assert response.status == 200
                assert str(response.url) == ready["url"]
                assert f"Workshop <code>{name}</code>" in await response.text()
            ws_url = ready["url"].replace("http", "ws", 1) + "ws"
            async with client.ws_connect(ws_url) as socket:
                await socket.send_str("through the gate")
                assert await socket.receive_str(timeout=60) == "through the gate"
        async with browser() as client, client.get(with_ticket, allow_redirects=False) as response:
            assert response.status == 403  # the ticket was used
        # Idle culling reads the last request per workshop from the gate's metrics.
        metrics = (await api.get(stack.metrics_urls["gate"])).text
        assert f'orchestra_gate_last_request_timestamp_seconds{{instance="{name}"}}' in metrics
