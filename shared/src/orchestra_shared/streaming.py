"""Declare the platform's JetStream stream and durable consumers, idempotently.

Every service calls ``ensure_stream`` when it connects, so start-up order does
not matter and a fresh NATS server (for example after an outage with its store
lost) is set up again by whoever comes first. The configuration itself is the
contract in ``orchestra_shared.subjects``.
"""

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
