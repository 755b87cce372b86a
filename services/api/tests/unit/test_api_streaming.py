"""The event hub's fan-out (by owner, everyone for admins, slow clients cut loose), and the
rules of replaying what a reconnecting client missed."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from orchestra_api.replaying import last_seen, replay_plan
from orchestra_api.streaming import Hub, Notice, event_stream
from orchestra_shared.settings import NatsSettings, nats_options


def notice(owner: str, n: int = 0) -> Notice:
    return Notice(kind="status", seq=n, owner=owner, data="{}")


def hub(queue_size: int = 8) -> Hub:
    return Hub(
        nats_options=nats_options(NatsSettings(nats_url="nats://127.0.0.1:1")),
        queue_size=queue_size,
    )


def test_notices_reach_their_owner_and_everyone_listeners_only() -> None:
    events = hub()
    ada, bob, admin = events.listen("ada"), events.listen("bob"), events.listen(None)
    events.publish(notice("ada"))
    assert ada.queue.qsize() == 1
    assert bob.queue.qsize() == 0
    assert admin.queue.qsize() == 1


def test_a_forgotten_listener_gets_nothing_more() -> None:
    events = hub()
    ada = events.listen("ada")
    events.forget(ada)
    events.publish(notice("ada"))
    assert ada.queue.empty()
    assert events.listeners == 0


def test_a_slow_client_is_ended_without_holding_back_the_others() -> None:
    events = hub(queue_size=2)
    slow, other = events.listen("ada"), events.listen("ada")
    for n in range(2):
        events.publish(notice("ada", n))
    other.queue.get_nowait()
    other.queue.get_nowait()
    events.publish(notice("ada", 2))  # slow is full: cut loose; other still gets it
    assert slow.queue.get_nowait() is None
    assert other.queue.get_nowait() == notice("ada", 2)
    assert events.listeners == 1


def test_a_notice_replayed_is_not_sent_again_when_it_also_arrives_live() -> None:
    events = hub()
    ada = events.listen("ada")
    for n in (5, 6, 7):  # arrived live while the replay was being read
        events.publish(notice("ada", n))
    events.publish(notice("ada", 8))

    async def backlog() -> AsyncIterator[Notice | str]:
        for n in (4, 5, 6):
            yield notice("ada", n)

    async def first(count: int) -> list[str]:
        body = event_stream(events, ada, heartbeat=30, backlog=backlog())
        chunks = [chunk async for chunk in _take(body, count + 1)]
        return chunks[1:]  # after the hello

    sent = asyncio.run(first(5))
    assert [chunk.split("\n")[0] for chunk in sent] == [f"id: {n}" for n in (4, 5, 6, 7, 8)]


def test_a_stream_opened_before_the_hub_subscribed_says_hello_once_it_has() -> None:
    """The api is ready while NATS is not; a client that comes then gets keep-alives, and
    its hello as soon as the hub knows where the stream stands (it was listening before)."""
    events = hub()
    ada = events.listen("ada")

    async def opened() -> list[str]:
        body = event_stream(events, ada, heartbeat=0.01, position=None)
        chunks: list[str] = []
        async for chunk in body:
            chunks.append(chunk)
            if chunk.startswith(": keep-alive") and not events.subscribed.is_set():
                events.position = 41  # as Hub.run does on subscribing
                events.subscribed.set()
            if "event: hello" in chunk:
                await body.aclose()  # type: ignore[attr-defined]
                break
        return chunks

    chunks = asyncio.run(opened())
    assert chunks[0].startswith("retry: 3000")
    assert ": keep-alive\n\n" in chunks
    assert chunks[-1].startswith("id: 41\nevent: hello")


async def _take(body: AsyncIterator[str], count: int) -> AsyncIterator[str]:
    taken = 0
    async for chunk in body:
        yield chunk
        taken += 1
        if taken == count:
            await body.aclose()  # type: ignore[attr-defined]
            return


@pytest.mark.parametrize(
    ("text", "expected"), [(None, None), ("42", 42), (" 7 ", 7), ("8c0e-uuid", -1), ("", -1)]
)
def test_the_last_event_id_is_a_stream_sequence_or_unknown(
    text: str | None, expected: int | None
) -> None:
    assert last_seen(text) == expected


@pytest.mark.parametrize(
    ("after", "first", "last", "replayable"),
    [
        (10, 1, 20, True),  # an ordinary gap
        (20, 1, 20, True),  # nothing missed
        (0, 1, 20, True),  # from the beginning
        (0, 0, 0, True),  # an empty stream
        (4, 5, 20, True),  # the next one is still kept
        (3, 5, 20, False),  # aged out of the stream
        (21, 1, 20, False),  # the stream was reset since
        (-1, 1, 20, False),  # not one of ours
    ],
)
def test_which_gaps_can_be_replayed(after: int, first: int, last: int, replayable: bool) -> None:
    assert (replay_plan(after, first_seq=first, last_seq=last) is None) is replayable
