"""What a reconnecting dashboard missed, read back from the JetStream stream.

The SSE ``id`` of every pushed event is its sequence in the platform stream
(``streaming``). A client that comes back with ``Last-Event-ID: N`` gets, in
order, every ``status changed`` and ``expiring`` event of its owner (of every
owner, for an admin's ``scope=all``) stored after N, from a short-lived ordered
consumer that starts at N + 1; then the live stream continues where the
replay ended (``streaming.event_stream`` skips what was already sent).

When the gap cannot be replayed (N is older than the stream keeps, newer than
the stream has, as after a NATS store was lost, or more events are pending than
``limit``, or NATS is unreachable), the client is sent a ``resync`` event
instead: it re-reads its state over GET, which is always the truth. Called by
``routes.events``.
"""

import logging
from collections.abc import AsyncIterator

import nats
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from orchestra_api.streaming import PUSHED_SUBJECTS, Notice, notice_of, resync_sse
from orchestra_shared.subjects import STATUS_CHANGED, STREAM

log = logging.getLogger(__name__)


def last_seen(text: str | None) -> int | None:
    """The stream sequence a client last saw; None when it gave none or an unknown form
    (ids of an older api were not sequences: those clients resync)."""
    if text is None:
        return None
    text = text.strip()
    return int(text) if text.isdigit() else -1


def replay_plan(after: int, *, first_seq: int, last_seq: int) -> str | None:
    """Why the gap after ``after`` cannot be replayed, or None when it can (pure)."""
    if after < 0:
        return "the last event id is not one this api issued"
    if after > last_seq:
        return "the event store is newer than the last event id (it was reset)"
    if first_seq > 1 and after + 1 < first_seq:
        return "the missed events are older than the event store keeps"
    return None


async def missed_notices(
    js: JetStreamContext | None,
    owner: str | None,
    after: int,
    *,
    limit: int,
    timeout: float,
) -> AsyncIterator[Notice | str]:
    """Notices of ``owner`` (None: everyone) stored after sequence ``after``, oldest first;
    or a single resync event when they cannot be given."""
    if js is None:
        yield resync_sse("the event store is unreachable")
        return
    try:
        info = await js.stream_info(STREAM)
        why = replay_plan(after, first_seq=info.state.first_seq, last_seq=info.state.last_seq)
        if why is not None:
            yield resync_sse(why)
            return
        if after == info.state.last_seq:
            return
        subscription = await js.subscribe(
            STATUS_CHANGED,
            ordered_consumer=True,
            config=ConsumerConfig(
                filter_subjects=list(PUSHED_SUBJECTS),
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                opt_start_seq=after + 1,
            ),
        )
    except (OSError, TimeoutError, nats.errors.Error) as error:
        log.warning("cannot replay missed events", extra={"error": repr(error)})
        yield resync_sse("the event store is unreachable")
        return
    try:
        # A push consumer may have delivered some already: pending counts only the rest.
        consumer = await subscription.consumer_info()
        delivered = consumer.delivered.consumer_seq if consumer.delivered else 0
        pending = (consumer.num_pending or 0) + (delivered or 0)
        if pending > limit:
            yield resync_sse(f"more than {limit} events were missed")
            return
        while pending > 0:
            message = await subscription.next_msg(timeout=timeout)
            pending = message.metadata.num_pending
            notice = notice_of(message.subject, message.data, message.metadata.sequence.stream)
            if notice is not None and (owner is None or notice.owner == owner):
                yield notice
    except (OSError, TimeoutError, nats.errors.Error) as error:
        log.warning("replay of missed events cut short", extra={"error": repr(error)})
        yield resync_sse("the replay of missed events was cut short")
    finally:
        try:
            await subscription.unsubscribe()
        except (OSError, TimeoutError, nats.errors.Error):
            log.info("replay consumer not removed; the server drops it when idle")
