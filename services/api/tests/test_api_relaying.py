"""The outbox across a NATS outage: launches are accepted, then flow once NATS is back, once each."""

import json

import httpx
import nats
from services.api.tests.apis import Api, eventually, learner

from orchestra_devstack.natsservers import NatsServer
from orchestra_shared.subjects import LAUNCH_REQUESTED, STREAM


async def launched_instances(nats_server: NatsServer) -> list[str]:
    """Instance names of every launch event in the stream, in stream order."""
    client = await nats.connect(nats_server.url)
    try:
        js = client.jetstream()
        info = await js.stream_info(STREAM)
        names = []
        if info.state.messages:
            for sequence in range(info.state.first_seq, info.state.last_seq + 1):
                message = await js.get_msg(STREAM, sequence)
                if message.subject == LAUNCH_REQUESTED and message.data:
                    names.append(json.loads(message.data)["instance"])
        return names
    finally:
        await client.close()


async def unsent(api: Api) -> bool:
    """Whether the outbox holds no unsent row (True, not 0, so that ``eventually`` ends)."""
    count = await api.state.pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    return bool(count == 0)


async def nats_reported(client: httpx.AsyncClient, state: str) -> httpx.Response | None:
    response = await client.get("/readyz")
    return response if response.json()["checks"]["nats"] == state else None


async def test_launches_during_a_nats_outage_flow_when_it_returns(
    api: Api, nats_server: NatsServer
) -> None:
    first = await api.launched(learner("first@example.org"))
    await eventually(lambda: launched_instances(nats_server), what="a first launch to flow")
    # Marked sent just after it was published: wait for that too, or it counts below.
    await eventually(lambda: unsent(api), what="the first launch to be marked sent")
    async with api.client() as client:
        await nats_server.stop()
        names = [await api.launched(learner(f"u{i}@example.org")) for i in range(5)]
        pending = await api.state.pool.fetchval(
            "SELECT count(*) FROM outbox WHERE published_at IS NULL"
        )
        assert pending == 5
        # The client notices the outage on its own schedule: poll, do not race it.
        during = await eventually(
            lambda: nats_reported(client, "unavailable"), timeout=30, what="NATS to be reported"
        )
        # Still ready: the load balancer keeps the api, which keeps taking launches.
        assert (during.status_code, during.json()["status"]) == (200, "ok")
        metrics = (await client.get("/metrics")).text
        assert "orchestra_api_outbox_backlog 5.0" in metrics
        assert "orchestra_api_nats_connected 0.0" in metrics
        later = await api.launched(learner("during@example.org"))
        names.append(later)

        await nats_server.start()
        await eventually(
            lambda: api.state.pool.fetchval(
                "SELECT count(*) = 0 FROM outbox WHERE published_at IS NULL"
            ),
            timeout=60,
            what="the outbox to drain",
        )
        flowed = await launched_instances(nats_server)
        assert sorted(flowed) == sorted([first, *names])  # every launch, each once
        await eventually(lambda: nats_reported(client, "ok"), timeout=60, what="NATS reported back")
        assert "orchestra_api_nats_connected 1.0" in (await client.get("/metrics")).text
