"""The permissions contract: one writer per fact, and settings that carry the credentials.

These check the grants as data (who may publish which platform subject); the
real nats-server enforcing them is tested in ``tests/permissions``.
"""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from orchestra_shared import subjects
from orchestra_shared.permissions import (
    ADMIN,
    PERMISSIONS,
    SERVICE_USERS,
    authorization,
    inbox_prefix,
)
from orchestra_shared.settings import NatsSettings, nats_options

PLATFORM = (
    subjects.LAUNCH_REQUESTED,
    subjects.TERMINATE_REQUESTED,
    subjects.EXTEND_REQUESTED,
    subjects.EXPORT_REQUESTED,
    subjects.STATUS_CHANGED,
    subjects.EXPIRING,
    subjects.IDLE_WARNING,
    subjects.ACTIVITY_REPORTED,
    subjects.ACTIVITY_KEPT,
)
WRITERS = {
    subjects.LAUNCH_REQUESTED: {"api"},
    # The learner or an admin (api), the deadline (expiry), the audit of the living dead (sync).
    subjects.TERMINATE_REQUESTED: {"api", "expiry", "sync"},
    subjects.EXTEND_REQUESTED: {"api"},
    # "Download my work" (api → operator, docs/src/content/docs/decisions/0060).
    subjects.EXPORT_REQUESTED: {"api"},
    subjects.STATUS_CHANGED: {"sync"},
    subjects.EXPIRING: {"expiry"},
    subjects.IDLE_WARNING: {"expiry"},
    # Activity for the idle rule: the traffic (gate), the learner's "Keep my session" (api).
    subjects.ACTIVITY_REPORTED: {"gate"},
    subjects.ACTIVITY_KEPT: {"api"},
}


@pytest.mark.parametrize("subject", PLATFORM)
def test_each_platform_subject_has_only_its_writers(subject: str) -> None:
    writers = {user for user in SERVICE_USERS if subject in PERMISSIONS[user].publish}
    assert writers == WRITERS[subject]


@pytest.mark.parametrize("user", SERVICE_USERS)
def test_no_service_may_publish_or_subscribe_with_a_wildcard_over_the_platform(user: str) -> None:
    grant = PERMISSIONS[user]
    for subject in grant.publish:
        assert not subject.startswith(f"{subjects.PREFIX}.") or "*" not in subject
        assert subject not in (">", f"{subjects.PREFIX}.>", subjects.COMMANDS)
    assert grant.subscribe == (f"_INBOX.{user}.>",)


@pytest.mark.parametrize(
    ("user", "consumers"),
    [
        ("operator", [subjects.OPERATOR_COMMANDS]),
        ("sync", [subjects.SYNC_TERMINATIONS]),
        ("expiry", [subjects.EXPIRY_COMMANDS, subjects.EXPIRY_STATUS, subjects.EXPIRY_ACTIVITY]),
        ("gate", []),
    ],
)
def test_a_service_may_pull_and_ack_its_own_consumers_and_no_other(
    user: str, consumers: list[subjects.ConsumerSpec]
) -> None:
    publish = PERMISSIONS[user].publish
    own = {spec.durable for spec in consumers}
    everyone = {
        spec.durable
        for spec in (
            subjects.OPERATOR_COMMANDS,
            subjects.SYNC_TERMINATIONS,
            subjects.EXPIRY_COMMANDS,
            subjects.EXPIRY_STATUS,
            subjects.EXPIRY_ACTIVITY,
        )
    }
    for durable in everyone:
        allowed = durable in own
        assert (f"$JS.API.CONSUMER.MSG.NEXT.ORCHESTRA.{durable}" in publish) is allowed
        assert (f"$JS.ACK.ORCHESTRA.{durable}.>" in publish) is allowed
        assert (subjects.dead_letter_subject(durable) in publish) is allowed


def test_the_rendered_block_lists_every_user_with_its_password() -> None:
    block = authorization({user: f"pw-{user}" for user in (*SERVICE_USERS, ADMIN)})
    users = {entry["user"]: entry for entry in block["users"]}
    assert set(users) == {*SERVICE_USERS, ADMIN}
    assert users["api"]["password"] == "pw-api"
    assert users["api"]["permissions"]["subscribe"]["allow"] == ["_INBOX.api.>"]


def test_settings_give_the_connect_options_with_the_users_own_inbox() -> None:
    settings = NatsSettings(
        nats_url="nats://a:4222,nats://b:4222",
        nats_user="sync",
        nats_password=SecretStr("s3cret"),
    )
    options = nats_options(settings)
    assert options["servers"] == ["nats://a:4222", "nats://b:4222"]
    assert options.get("user") == "sync"
    assert options.get("password") == "s3cret"
    assert options["inbox_prefix"] == inbox_prefix("sync") == "_INBOX.sync"
    assert "s3cret" not in repr(settings)


def test_without_a_user_no_credentials_are_sent() -> None:
    options = nats_options(NatsSettings(nats_url="nats://127.0.0.1:4222"))
    assert "user" not in options
    assert "password" not in options
    assert options["inbox_prefix"] == "_INBOX"
