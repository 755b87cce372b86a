"""Connect to NATS, and declare the platform's JetStream stream and consumers, idempotently.

Every service connects through ``connect``, which calls ``ensure_stream``, so start-up order does
not matter and a fresh NATS server (for example after an outage with its store
lost) is set up again by whoever comes first. The configuration itself is the
contract in ``orchestra_shared.subjects``.
"""

import logging

import nats
import nats.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from orchestra_shared import subjects
from orchestra_shared.retrying import Backoff, until_done
from orchestra_shared.settings import NatsSettings, nats_options

log = logging.getLogger(__name__)


async def ensure_stream(
    js: JetStreamContext, config: subjects.StreamConfig = subjects.StreamConfig()
) -> None:
    wanted = StreamConfig(
        name=config.name,
        subjects=list(config.subjects),
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        duplicate_window=config.duplicate_window.total_seconds(),
        max_age=config.max_age.total_seconds(),
    )
    try:
        await js.stream_info(config.name)
    except NotFoundError:
        await js.add_stream(wanted)
    else:
        await js.update_stream(wanted)


def consumer_config(spec: subjects.ConsumerSpec, *, ack_wait: float = 30.0) -> ConsumerConfig:
    """A durable pull consumer that starts at the beginning of the stream.

    ``max_deliver`` is bounded so a message that keeps failing ends up with the
    consumer's dead-letter handling instead of looping forever.
    """
    return ConsumerConfig(
        durable_name=spec.durable,
        filter_subjects=list(spec.subjects),
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=ack_wait,
        max_deliver=20,
    )


async def connect(settings: NatsSettings, *, backoff: Backoff) -> Client:
    """A client whose stream exists, waiting (with backoff) until NATS answers.

    Services may start before NATS (a fresh cluster, a restarted node): they wait
    instead of exiting. The client then reconnects by itself after later outages;
    the loops that use it back off on their own errors.
    """

    async def attempt() -> Client:
        client = await nats.connect(
            **nats_options(settings),
            max_reconnect_attempts=-1,
            reconnect_time_wait=min(backoff.maximum, 2.0),
            allow_reconnect=True,
        )
        try:
            await ensure_stream(client.jetstream())
        except BaseException:
            await client.close()
            raise
        return client

    return await until_done(
        attempt, retry_on=(nats.errors.Error, OSError), backoff=backoff, what="nats", log=log
    )
