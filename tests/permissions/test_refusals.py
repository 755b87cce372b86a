"""What a service must not do on the bus, the real nats-server refuses, and nothing is stored.

The doors of issue 17: a client with no or wrong credentials gets no connection,
the api cannot fake a status, the operator cannot launch, sync cannot launch or extend,
no service reads another's replies or pulls another's consumer.
"""

from __future__ import annotations

import asyncio

import nats
import nats.errors
import pytest

from orchestra_devstack.natsservers import NatsServer
from orchestra_operator.config import OperatorSettings
from orchestra_operator.main import wait_for_stream
from orchestra_shared import subjects
from orchestra_shared.settings import NatsSettings, nats_options
from orchestra_shared.streaming import ensure_stream
from tests.permissions.clients import connect, eventually, settings_of, stored_on

pytestmark = pytest.mark.timeout(180)  # above its waits: a bound catches a hang


async def refuse_connect(settings: NatsSettings) -> None:
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(**nats_options(settings), allow_reconnect=False)


async def test_a_client_without_credentials_is_refused_at_connect(
    nats_server: NatsServer,
) -> None:
    await refuse_connect(NatsSettings(nats_url=nats_server.address))


@pytest.mark.parametrize("user", ["api", "operator", "sync", "expiry", "admin"])
async def test_a_wrong_password_is_refused_at_connect(nats_server: NatsServer, user: str) -> None:
    await refuse_connect(settings_of(NatsSettings, nats_server, user, password="not-it"))


async def test_a_service_with_another_services_password_is_refused(
    nats_server: NatsServer,
) -> None:
    operators = nats_server.passwords["operator"]
    await refuse_connect(settings_of(NatsSettings, nats_server, "api", password=operators))


@pytest.mark.parametrize(
    ("user", "subject"),
    [
        ("api", subjects.STATUS_CHANGED),  # only sync observes status
        ("api", subjects.EXPIRING),
        ("operator", subjects.LAUNCH_REQUESTED),  # only the api asks for launches
        ("operator", subjects.TERMINATE_REQUESTED),
        ("operator", subjects.STATUS_CHANGED),
        ("sync", subjects.LAUNCH_REQUESTED),  # sync observes; its audit may only end one
        ("sync", subjects.EXTEND_REQUESTED),
        ("expiry", subjects.LAUNCH_REQUESTED),  # expiry ends workshops, never starts one
        ("expiry", subjects.EXTEND_REQUESTED),
        ("expiry", subjects.dead_letter_subject(subjects.OPERATOR_COMMANDS.durable)),
    ],
)
async def test_a_service_may_not_publish_what_another_service_writes(
    nats_server: NatsServer, user: str, subject: str
) -> None:
    admin = await connect(nats_server, "admin")
    service = await connect(nats_server, user)
    try:
        await ensure_stream(service.js)
        await service.client.publish(subject, b'{"forged": true}')
        await service.client.flush()
        assert await service.refused("Publish", subject)
        assert await stored_on(admin.js, subject) is None
    finally:
        await service.client.close()
        await admin.client.close()


@pytest.mark.parametrize(
    ("user", "subject"),
    [
        ("operator", "_INBOX.api.>"),  # another service's replies
        ("expiry", "_INBOX.>"),
        ("sync", f"{subjects.PREFIX}.>"),  # the platform's subjects, bypassing JetStream
        ("api", subjects.COMMANDS),
    ],
)
async def test_a_service_may_not_subscribe_beyond_its_own_inbox(
    nats_server: NatsServer, user: str, subject: str
) -> None:
    service = await connect(nats_server, user)
    try:
        await service.client.subscribe(subject)
        await service.client.flush()
        assert await service.refused("Subscription", subject)
    finally:
        await service.client.close()


async def test_a_service_may_not_pull_from_or_ack_for_another_services_consumer(
    nats_server: NatsServer,
) -> None:
    sync = await connect(nats_server, "sync")
    try:
        await ensure_stream(sync.js)
        durable = subjects.OPERATOR_COMMANDS.durable
        pull = f"$JS.API.CONSUMER.MSG.NEXT.{subjects.STREAM}.{durable}"
        ack = f"$JS.ACK.{subjects.STREAM}.{durable}.1.1.1.1.0"
        for subject in (pull, ack):
            await sync.client.publish(subject, b"")
        await sync.client.flush()
        assert await sync.refused("Publish", pull)
        assert await sync.refused("Publish", ack)
    finally:
        await sync.client.close()


async def test_a_service_started_with_a_wrong_password_is_kept_out_and_the_log_says_why(
    nats_server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_of(OperatorSettings, nats_server, "operator", password="stale")
    waiting = asyncio.create_task(wait_for_stream(settings))
    try:

        async def logged() -> str:
            # nats-py logs each refused attempt, with the server's reason in its traceback.
            return caplog.text

        await eventually(logged, until=lambda text: "Authorization Violation" in text)
        assert not waiting.done()  # it keeps retrying, as while NATS is down
    finally:
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
