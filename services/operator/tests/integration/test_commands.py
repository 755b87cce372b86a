"""Commands over JetStream: idempotent launches, refusals to the dead-letter subject, extensions."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from services.operator.tests.integration.driving import (
    GOOD_IMAGE,
    World,
    launch_event,
    namespace_of,
    new_owner,
)

from orchestra_operator.cluster import DEPLOYMENTS, NAMESPACES, WORKSHOPS
from orchestra_shared import subjects
from orchestra_shared.events import (
    DeadLetter,
    ExtendRequested,
    TerminateRequested,
    encode_event,
)
from orchestra_shared.owners import learner_namespace

pytestmark = pytest.mark.asyncio(loop_scope="module")


def letters_about(letters: list[DeadLetter], marker: str) -> list[DeadLetter]:
    return [letter for letter in letters if marker in letter.payload]


async def test_a_launch_published_twice_makes_one_workshop(operator: World) -> None:
    event = launch_event()
    # Two publications with different message ids: JetStream cannot drop the second.
    await operator.publish(event, msg_id=f"first-{event.event_id}")
    await operator.publish(event, msg_id=f"second-{event.event_id}")
    await operator.wait_for_phase(event, "Ready")
    # A later command of the same learner (one lane, in order): once it is handled, both
    # copies were.
    marker = launch_event(owner=event.owner)
    await operator.publish(marker)
    await operator.wait_for_phase(marker, "Ready")

    found = await operator.kube.list(WORKSHOPS, fields=f"metadata.name={event.instance}")
    assert len(found) == 1
    told = [e["message"] for e in await operator.events_of(event)]
    assert sum(f"by launch {event.event_id}" in message for message in told) == 1
    assert letters_about(await operator.dead_letters(), event.instance) == []


async def test_a_launch_reusing_a_taken_name_is_refused(operator: World) -> None:
    first = launch_event()
    await operator.publish(first)
    await operator.wait_for_phase(first, "Ready")
    thief = launch_event(instance=first.instance, owner=new_owner())  # another launch id

    await operator.publish(thief)

    letters = await operator.wait_for(
        operator.dead_letters,
        until=lambda letters: bool(letters_about(letters, str(thief.event_id))),
        what="the colliding launch to be dead-lettered",
    )
    (letter,) = letters_about(letters, str(thief.event_id))
    assert "already exists" in letter.reason
    assert letter.subject == subjects.LAUNCH_REQUESTED
    assert await operator.kube.list(WORKSHOPS, namespace_of(thief)) == []
    workshop = await operator.workshop(first)
    assert workshop is not None
    assert workshop["spec"]["owner"] == first.owner


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"instance": "Not_A_Label"}, "is not a DNS label starting with a letter"),
        ({"instance": "1122-starts-with-a-digit"}, "(RFC 1035), as a Service name must be"),
        ({"template": "miner"}, "template 'miner' is not in the operator's catalog; known: ["),
        ({"template": "retired"}, "template 'retired' is disabled in the catalog"),
        (
            {"template": "short", "expires_in": timedelta(days=30)},
            "the 3h that template 'short' allows",
        ),
    ],
    ids=["name", "digit-first", "unknown-template", "disabled-template", "deadline"],
)
async def test_a_launch_that_cannot_run_is_refused(
    operator: World, overrides: dict[str, Any], reason: str
) -> None:
    event = launch_event(**overrides)
    await operator.publish(event)
    letters = await operator.wait_for(
        operator.dead_letters,
        until=lambda letters: bool(letters_about(letters, str(event.event_id))),
        what="the launch to be dead-lettered",
    )
    (letter,) = letters_about(letters, str(event.event_id))
    assert reason in letter.reason
    assert letter.subject == subjects.LAUNCH_REQUESTED
    assert await operator.kube.list(WORKSHOPS, namespace_of(event)) == []
    assert await operator.kube.get(NAMESPACES, namespace_of(event)) is None


def _launch_with(extra: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """A launch of a catalog template that also tries to say what to run (the old contract)."""
    data = json.loads(encode_event(launch_event()))
    data.update(extra)
    return data, json.dumps(data).encode()


@pytest.mark.parametrize(
    "extra",
    [
        {
            "spec": {
                "owner": "x@example.org",
                "template": "jupyter",
                "templateName": "JupyterLab",
                "image": "registry.test/miner:1",
                "port": 8888,
                "expiresAt": "2030-01-01T00:00:00Z",
            }
        },
        {"image": "registry.test/miner:1"},
    ],
    ids=["spec", "image"],
)
async def test_a_launch_that_names_an_image_is_refused_and_runs_nothing(
    operator: World, extra: dict[str, Any]
) -> None:
    data, raw = _launch_with(extra)
    await operator.publish_raw(subjects.LAUNCH_REQUESTED, raw, msg_id=data["event_id"])
    letters = await operator.wait_for(
        operator.dead_letters,
        until=lambda letters: bool(letters_about(letters, data["event_id"])),
        what="the launch carrying an image to be dead-lettered",
    )
    (letter,) = letters_about(letters, data["event_id"])
    assert letter.reason.startswith("not a valid command")
    assert "Extra inputs are not permitted" in letter.reason
    assert next(iter(extra)) in letter.reason
    assert "registry.test/miner:1" in letter.payload  # kept verbatim for whoever looks into it
    marker = launch_event()  # handled after it: once it is Ready, the refusal was final
    await operator.publish(marker)
    await operator.wait_for_phase(marker, "Ready")
    namespace = learner_namespace(data["owner"])
    assert await operator.kube.get(NAMESPACES, namespace) is None
    assert await operator.kube.list(WORKSHOPS, fields=f"metadata.name={data['instance']}") == []
    images = [
        container["image"]
        for deployment in await operator.kube.list(DEPLOYMENTS)
        for container in deployment["spec"]["template"]["spec"]["containers"]
    ]
    assert "registry.test/miner:1" not in images


async def test_the_workshop_is_built_from_the_operators_catalog(operator: World) -> None:
    event = launch_event(template="jupyter-large", startup_timeout=999)
    await operator.publish(event)
    workshop = await operator.wait_for_phase(event, "Ready")
    spec = workshop["spec"]
    assert (spec["template"], spec["image"], spec["tier"]) == (
        "jupyter-large",
        GOOD_IMAGE,
        "large",
    )
    assert spec["startupTimeoutSeconds"] == 60  # the catalog's, not the message's
    assert spec["env"] == {"JUPYTER_ENABLE_LAB": "yes"}


async def test_a_malformed_message_is_dead_lettered_and_the_consumer_carries_on(
    operator: World,
) -> None:
    marker = uuid.uuid4().hex
    await operator.publish_raw(
        subjects.LAUNCH_REQUESTED, f'{{"garbage": "{marker}"'.encode(), msg_id=marker
    )
    after = launch_event()
    await operator.publish(after)

    await operator.wait_for_phase(after, "Ready")
    letters = await operator.wait_for(
        operator.dead_letters,
        until=lambda letters: bool(letters_about(letters, marker)),
        what="the malformed message to be dead-lettered",
    )
    (letter,) = letters_about(letters, marker)
    assert letter.reason.startswith("not a valid command")
    assert letter.consumer == subjects.OPERATOR_COMMANDS.durable


async def test_an_extension_only_ever_moves_the_deadline_forward(operator: World) -> None:
    event = launch_event()
    await operator.publish(event)
    await operator.wait_for_phase(event, "Ready")
    later = event.expires_at + timedelta(hours=1)
    earlier = event.expires_at - timedelta(minutes=30)

    def extend(to: datetime, extension: int) -> ExtendRequested:
        return ExtendRequested(
            instance=event.instance, owner=event.owner, expires_at=to, extension=extension
        )

    await operator.publish(extend(later, 1))
    await operator.publish(extend(earlier, 2))  # stale or wrong: must not shorten it
    await operator.publish(extend(later, 1).model_copy(update={"event_id": uuid.uuid4()}))
    marker = launch_event(owner=event.owner)  # the learner's lane runs its commands in order
    await operator.publish(marker)
    await operator.wait_for_phase(marker, "Ready")  # every extension above was handled

    def expires(body: dict[str, object] | None, where: str) -> datetime:
        assert body is not None
        part = body[where]
        assert isinstance(part, dict)
        return datetime.fromisoformat(str(part["expiresAt"]).replace("Z", "+00:00"))

    workshop = await operator.workshop(event)
    assert expires(workshop, "spec") == later.astimezone(UTC)
    await operator.wait_for(
        lambda: operator.workshop(event),
        until=lambda body: expires(body, "status") == later.astimezone(UTC),
        what="status.expiresAt to follow",
    )
    # The Extended Event follows the spec's patch; status.expiresAt may be written first.
    told = [e["reason"] for e in await operator.wait_for_event(event, "Extended")]
    assert told.count("Extended") == 1


async def test_an_extension_beyond_the_templates_maximum_is_refused(operator: World) -> None:
    event = launch_event(template="short")  # two hours of at most three
    await operator.publish(event)
    await operator.wait_for_phase(event, "Ready")
    too_far = ExtendRequested(
        instance=event.instance,
        owner=event.owner,
        expires_at=event.expires_at + timedelta(hours=2),
        extension=1,
    )

    await operator.publish(too_far)

    letters = await operator.wait_for(
        operator.dead_letters,
        until=lambda letters: bool(letters_about(letters, str(too_far.event_id))),
        what="the extension to be dead-lettered",
    )
    (letter,) = letters_about(letters, str(too_far.event_id))
    assert "beyond the 3h that template 'short' allows" in letter.reason
    workshop = await operator.workshop(event)
    assert workshop is not None
    deadline = datetime.fromisoformat(workshop["spec"]["expiresAt"].replace("Z", "+00:00"))
    assert deadline == event.expires_at


async def test_a_launch_arriving_after_its_terminate_does_not_run(operator: World) -> None:
    late = launch_event()
    # The terminate is handled first (as when the launch was deferred or redelivered).
    await operator.publish(
        TerminateRequested(instance=late.instance, owner=late.owner, reason="user")
    )
    await operator.publish(late)
    marker = launch_event(owner=late.owner)  # after both in its lane: Ready means handled
    await operator.publish(marker)
    await operator.wait_for_phase(marker, "Ready")

    assert await operator.workshop(late) is None
    assert letters_about(await operator.dead_letters(), late.instance) == []


async def test_a_launch_redelivered_after_its_terminate_deleted_the_workshop_stays_ended(
    operator: World,
) -> None:
    launched = launch_event()
    await operator.publish(launched)
    await operator.wait_for_phase(launched, "Ready")
    await operator.publish(
        TerminateRequested(instance=launched.instance, owner=launched.owner, reason="expired")
    )
    await operator.wait_until_gone(launched)
    # The same launch again, as when its acknowledgement was lost before the terminate.
    await operator.publish(launched, msg_id=f"redelivered-{launched.event_id}")
    marker = launch_event(owner=launched.owner)  # after it in its lane: Ready means handled
    await operator.publish(marker)
    await operator.wait_for_phase(marker, "Ready")

    assert await operator.workshop(launched) is None
