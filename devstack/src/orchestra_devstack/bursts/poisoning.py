"""Malformed messages on every subject: each consumer parks them with a reason and carries on.

``poison`` publishes, as the NATS admin, two messages on every subject of the contract
(``orchestra_shared.subjects``): bytes that are not JSON, and JSON that is no event (an
``image`` field, which no event has). Every durable consumer whose filter takes the
subject must then publish one ``DeadLetter`` per message on its own dead-letter subject,
naming the subject, carrying the payload unchanged and giving a reason. ``expiring``
notices have no durable consumer; the api's live stream reads them and skips what it
cannot parse, which the check launch after the poison shows (its learner's stream still
works). That launch also shows each consumer carried on: the operator made it Ready,
expiry scheduled and then cancelled it, sync remembered why it ended.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field

import nats
from nats.js.api import ConsumerConfig, DeliverPolicy

from orchestra_devstack.bursts.rigs import Rig
from orchestra_shared import subjects

CONSUMERS = subjects.CONSUMERS
SUBJECTS = tuple(subjects.SUBJECT_BY_TYPE.values())


def matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: ``*`` one token, ``>`` the rest (pure)."""
    wanted, given = pattern.split("."), subject.split(".")
    for index, token in enumerate(wanted):
        if token == ">":
            return len(given) > index
        if index >= len(given) or token not in ("*", given[index]):
            return False
    return len(wanted) == len(given)


def payloads(run: str) -> list[bytes]:
    return [
        f"not json at all {run}".encode(),
        json.dumps({"type": "launch.requested", "image": "evil:latest", "run": run}).encode(),
    ]


@dataclass
class PoisonReport:
    sent: int = 0
    expected: int = 0
    parked: dict[tuple[str, str], int] = field(default_factory=dict)
    """(consumer, subject) → letters seen with the payload intact and a reason."""
    missing: list[str] = field(default_factory=list)
    malformed_letters: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.missing and not self.malformed_letters


async def poison(rig: Rig, *, run: str, timeout: float = 60.0) -> PoisonReport:
    """Send the poison and wait (up to ``timeout``) for every dead letter it must cause."""
    report = PoisonReport()
    client = await nats.connect(rig.stack.nats.url)
    try:
        js = client.jetstream()
        start = (await js.stream_info(subjects.STREAM)).state.last_seq + 1
        sent: dict[str, set[str]] = {}
        begun = time.monotonic()
        for subject in SUBJECTS:
            for payload in payloads(run):
                headers = {"Nats-Msg-Id": uuid.uuid4().hex}
                await js.publish(subject, payload, stream=subjects.STREAM, headers=headers)
                sent.setdefault(subject, set()).add(payload.decode())
                report.sent += 1
        wanted = {
            (spec.durable, subject): len(sent[subject])
            for spec in CONSUMERS
            for subject in SUBJECTS
            if any(matches(f, subject) for f in spec.subjects)
        }
        report.expected = sum(wanted.values())
        reader = await js.pull_subscribe(
            f"{subjects.DEAD_LETTER_PREFIX}.>",
            durable=None,
            stream=subjects.STREAM,
            config=ConsumerConfig(
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=start
            ),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(
            report.parked.get(key, 0) < n for key, n in wanted.items()
        ):
            try:
                messages = await reader.fetch(50, timeout=1.0)
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            for message in messages:
                _file(message.subject, message.data, sent, report)
                await message.ack()
        report.seconds = time.monotonic() - begun
        report.missing = [
            f"{consumer} on {subject}: {report.parked.get((consumer, subject), 0)} of {n}"
            for (consumer, subject), n in wanted.items()
            if report.parked.get((consumer, subject), 0) < n
        ]
        await reader.unsubscribe()
    finally:
        await client.close()
    return report


def _file(subject: str, data: bytes, sent: dict[str, set[str]], report: PoisonReport) -> None:
    try:
        letter = json.loads(data)
        consumer, poisoned = str(letter["consumer"]), str(letter["subject"])
    except (ValueError, KeyError, TypeError):
        report.malformed_letters.append(f"{subject}: {data[:200]!r}")
        return
    if poisoned not in sent or letter.get("payload") not in sent[poisoned]:
        return  # someone else's dead letter (an earlier run)
    if subject != subjects.dead_letter_subject(consumer) or not letter.get("reason"):
        report.malformed_letters.append(f"{subject}: {letter}")
        return
    key = (consumer, poisoned)
    report.parked[key] = report.parked.get(key, 0) + 1


async def consumers_carried_on(rig: Rig, name: str, *, timeout: float = 60.0) -> list[str]:
    """After the check launch ``name`` ended by its learner: what each consumer left (problems)."""
    sql = """SELECT (SELECT count(*) FROM expiry_schedule
                     WHERE instance = $1 AND expires_at IS NOT NULL
                       AND (cancelled_at IS NOT NULL OR fired_at IS NOT NULL)) AS expiry,
                    (SELECT count(*) FROM termination_requests WHERE instance = $1) AS sync"""
    deadline = time.monotonic() + timeout
    problems = ["not looked yet"]
    while time.monotonic() < deadline:
        row = (await rig.query(sql, name))[0]
        problems = []
        if not row["expiry"]:
            problems.append("expiry did not schedule and cancel the check launch")
        if not row["sync"]:
            problems.append("sync did not remember why the check launch ended")
        if not problems:
            return []
        await asyncio.sleep(0.5)
    return problems
