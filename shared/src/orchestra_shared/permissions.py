"""Who may publish and subscribe what on NATS: one user per service, as a contract.

Anyone who can publish ``launch requested`` decides what runs in a learner's
namespace, so the bus is not open: each service connects as its own user and
may publish only the facts it is the one writer of (docs/src/content/docs/decisions/0054). The grants
below are what each service was seen to need when run against a nats-server
with authorization on (``tests/permissions``), nothing more:

- the platform subjects it writes (``subjects``), and its own dead-letter subjects;
- the JetStream API for the stream (every service declares it on start,
  ``streaming.ensure_stream``) and for its own durable consumers only
  (create, info, next message) and their acknowledgements (``$JS.ACK``);
- replies on an inbox of its own (``_INBOX.<user>.>``): a service cannot read
  another's replies, where its pulled messages and publish acks arrive.

No service subscribes to a platform subject directly: every read goes through
a JetStream consumer. The ``admin`` user (operators of the platform, the test
fixtures, ``make dev``'s printed URL) may do everything.

The devstack renders a nats-server configuration from this
(``orchestra_devstack.natsconfigs``); docker compose (``deploy/nats/auth.conf``) and the
NATS release beside the chart (``deploy/nats/values.yaml``) carry the same rendering, and a test keeps them equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orchestra_shared import subjects

ADMIN = "admin"
SERVICE_USERS = ("api", "operator", "sync", "expiry", "gate")
USERS = (*SERVICE_USERS, ADMIN)

JS_API = "$JS.API"
STREAM = subjects.STREAM


def inbox_prefix(user: str) -> str:
    """The inbox a user's replies come to; the client is told it at connect."""
    return f"_INBOX.{user}"


@dataclass(frozen=True)
class Permissions:
    """Subjects a user may publish to and subscribe to (everything else is refused)."""

    publish: tuple[str, ...]
    subscribe: tuple[str, ...]


def _stream_declaration() -> tuple[str, ...]:
    """Every service makes sure the stream exists with the contract's configuration."""
    return tuple(f"{JS_API}.STREAM.{verb}.{STREAM}" for verb in ("INFO", "CREATE", "UPDATE"))


def _durable_consumer(spec: subjects.ConsumerSpec) -> tuple[str, ...]:
    """Create it, look it up, pull from it, acknowledge, dead-letter.

    nats-py puts a single filter into the create subject (faststream's subscribers), so
    that form is allowed for the contract's filter only; a list of filters (sync's
    ``consumer_config``) goes to the plain subject, which no grant can narrow further."""
    name = spec.durable
    return (
        f"{JS_API}.CONSUMER.CREATE.{STREAM}.{name}",
        *(f"{JS_API}.CONSUMER.CREATE.{STREAM}.{name}.{subject}" for subject in spec.subjects),
        f"{JS_API}.CONSUMER.INFO.{STREAM}.{name}",
        f"{JS_API}.CONSUMER.MSG.NEXT.{STREAM}.{name}",
        f"$JS.ACK.{STREAM}.{name}.>",
        subjects.dead_letter_subject(name),
    )


def _key_value(bucket: str) -> tuple[str, ...]:
    """A key-value bucket of one's own: declare it, put keys, get keys."""
    stream = f"KV_{bucket}"
    return (
        f"{JS_API}.STREAM.INFO.{stream}",
        f"{JS_API}.STREAM.CREATE.{stream}",
        f"{JS_API}.STREAM.MSG.GET.{stream}",
        f"$KV.{bucket}.>",
    )


def _ordered_consumers() -> tuple[str, ...]:
    """Ephemeral ordered consumers (the api's live stream and replays): the stream looked up
    by subject, created without a name, looked up by the name the server gave, flow control
    answered. The server removes them when their subscription goes."""
    return (
        f"{JS_API}.STREAM.NAMES",
        f"{JS_API}.CONSUMER.CREATE.{STREAM}",
        f"{JS_API}.CONSUMER.INFO.{STREAM}.*",
        f"$JS.FC.{STREAM}.>",
    )


def _grant(user: str, *publish: tuple[str, ...] | str) -> Permissions:
    flat: list[str] = []
    for item in publish:
        flat.extend((item,) if isinstance(item, str) else item)
    return Permissions(
        publish=(*_stream_declaration(), *flat), subscribe=(f"{inbox_prefix(user)}.>",)
    )


PERMISSIONS: Mapping[str, Permissions] = {
    # The one writer of launch, terminate and extend requests (through its outbox); it
    # reads status changes and notices for the dashboards through ordered consumers.
    "api": _grant(
        "api",
        subjects.LAUNCH_REQUESTED,
        subjects.TERMINATE_REQUESTED,
        subjects.EXTEND_REQUESTED,
        subjects.EXPORT_REQUESTED,
        subjects.CLAIM_REQUESTED,
        subjects.ACTIVITY_KEPT,
        subjects.CLASS_MESSAGE,
        subjects.WAITING_CHANGED,
        subjects.ROSTER_CHANGED,
        subjects.WORKSPACE_EXPIRING,
        subjects.WORKSPACE_DELETE_REQUESTED,
        _ordered_consumers(),
    ),
    # Carries out commands; publishes nothing but its dead letters.
    "operator": _grant(
        "operator",
        _durable_consumer(subjects.OPERATOR_COMMANDS),
        _key_value(subjects.TOMBSTONES_BUCKET),
    ),
    # The one writer of observed status; remembers why workshops were asked to end; its
    # audit asks again to end a Workshop alive after its instance ended (never a launch).
    "sync": _grant(
        "sync",
        subjects.STATUS_CHANGED,
        subjects.TERMINATE_REQUESTED,
        _durable_consumer(subjects.SYNC_TERMINATIONS),
    ),
    # Ends what has expired or stayed idle (a terminate request, never a launch) and warns
    # before; reads activity to know what is idle.
    "expiry": _grant(
        "expiry",
        subjects.TERMINATE_REQUESTED,
        subjects.EXPIRING,
        subjects.IDLE_WARNING,
        _durable_consumer(subjects.EXPIRY_COMMANDS),
        _durable_consumer(subjects.EXPIRY_STATUS),
        _durable_consumer(subjects.EXPIRY_ACTIVITY),
    ),
    # Sees the traffic; reports it, batched, and nothing else (docs/src/content/docs/decisions/0060).
    "gate": _grant("gate", subjects.ACTIVITY_REPORTED),
    ADMIN: Permissions(publish=(">",), subscribe=(">",)),
}


def authorization(passwords: Mapping[str, Any]) -> dict[str, Any]:
    """The nats-server ``authorization`` block for ``passwords`` (user → password, or any
    value the renderer knows how to write, such as a reference to an environment variable)."""
    return {
        "users": [
            {
                "user": user,
                "password": passwords[user],
                "permissions": {
                    "publish": {"allow": list(PERMISSIONS[user].publish)},
                    "subscribe": {"allow": list(PERMISSIONS[user].subscribe)},
                },
            }
            for user in USERS
        ]
    }
