"""The events page and ``asyncapi.json``: an AsyncAPI document faststream builds from the
contracts, rendered as Markdown.

The contracts are in ``orchestra_shared``: ``subjects`` (the subjects, the stream, the
durable consumers), ``events`` (the payload models) and ``permissions`` (which service
may publish each subject). A faststream ``NatsBroker`` is given one publisher per event
subject, with the payload model as its schema, and one subscriber per durable consumer;
faststream's own AsyncAPI generator turns that into the document. Nothing connects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args

from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from faststream.specification import AsyncAPI
from pydantic import BaseModel

from orchestra_docs import describing
from orchestra_docs.documents import PUBLIC, Document, page
from orchestra_shared import subjects
from orchestra_shared.events import AnyCommand, AnyEvent, AnyStreamed, DeadLetter, Event
from orchestra_shared.permissions import PERMISSIONS, SERVICE_USERS

SERVER = "nats://nats:4222"
CONSUMERS = subjects.CONSUMERS


def event_models() -> dict[str, type[BaseModel]]:
    """Each event model by its ``type``: the commands and status (``AnyEvent``) and the
    notices only the live stream reads (``AnyStreamed``)."""
    models: dict[str, type[BaseModel]] = {}
    for annotated in (AnyEvent, AnyStreamed, AnyCommand):
        for model in get_args(get_args(annotated)[0]):
            models[model.model_fields["type"].default] = model
    return models


def publishers_of(subject: str) -> list[str]:
    """The services whose NATS user may publish ``subject`` (``orchestra_shared.permissions``)."""
    return [user for user in SERVICE_USERS if subject in PERMISSIONS[user].publish]


def contract_broker() -> NatsBroker:
    """A broker that declares the platform's events and consumers, for the document only."""
    broker = NatsBroker(SERVER)
    for kind, model in event_models().items():
        subject = subjects.SUBJECT_BY_TYPE[kind]
        writers = ", ".join(publishers_of(subject)) or "nobody"
        broker.publisher(
            subject,
            schema=model,
            title=kind,
            description=f"{_doc(model)} Published by: {writers}.",
        )
    for spec in CONSUMERS:
        for subject in spec.subjects:
            broker.subscriber(
                subject,
                stream=JStream(subjects.STREAM, declare=False),
                durable=spec.durable,
                pull_sub=PullSub(),
                title=spec.durable,
                description=(
                    f"Durable pull consumer `{spec.durable}` of the `{subjects.STREAM}` stream, "
                    f"filtering `{subject}`; what it cannot handle goes to "
                    f"`{subjects.dead_letter_subject(spec.durable)}`."
                ),
            )(_never_called)
        broker.publisher(
            subjects.dead_letter_subject(spec.durable),
            schema=DeadLetter,
            title=f"dead letter of {spec.durable}",
            description=_doc(DeadLetter),
        )
    return broker


def asyncapi_document() -> dict[str, Any]:
    spec = AsyncAPI(
        contract_broker(),
        title="Orchestra events",
        version=str(Event.model_fields["version"].default),
        description=(
            f"Every message on the {subjects.STREAM} JetStream stream "
            f"(subjects {', '.join(subjects.StreamConfig().subjects)})."
        ),
    ).to_specification()
    document: dict[str, Any] = spec.to_jsonable()
    return document


def generate(root: Path) -> list[Document]:
    document = asyncapi_document()
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return [
        Document(PUBLIC / "asyncapi.json", text),
        page(
            "reference/events",
            title="Events (AsyncAPI)",
            description="Every NATS subject, payload and consumer, generated from the contracts.",
            body=render(document),
            order=2,
        ),
    ]


def render(document: Mapping[str, Any]) -> str:
    """The document as Markdown: the stream, then each channel with its payload's fields."""
    stream = subjects.StreamConfig()
    lines = [
        f"{document['info'].get('description', '')} One stream, `{stream.name}`, with file "
        f"storage, messages kept {stream.max_age.days} days and a duplicate window of "
        f"{int(stream.duplicate_window.total_seconds() // 60)} minutes: each event's "
        "`event_id` is also its `Nats-Msg-Id`, so a publish retried inside the window is "
        "stored once. Trace context (`traceparent`) travels in the message headers.",
        "",
        "Every consumer is a durable pull consumer that acknowledges after the effect is "
        "durable and handles a redelivered event as if it came once. The api reads status "
        "changes and warnings for the dashboards' live stream through ordered consumers of "
        "its own (no durable name). The machine-readable document is "
        "`docs/public/asyncapi.json` in a built tree, served at `/asyncapi.json`.",
        "",
        "| Channel | Subject | Kind |",
        "|---|---|---|",
    ]
    channels: Mapping[str, Any] = document.get("channels", {})
    operations: Mapping[str, Any] = document.get("operations", {})
    kinds = {
        _channel_name(op["channel"]["$ref"]): op.get("action", "") for op in operations.values()
    }
    order = list(subjects.SUBJECT_BY_TYPE.values())

    def place(item: tuple[str, Any]) -> tuple[bool, int, str]:
        name, channel = item
        address = str(channel["address"])
        known = order.index(address) if address in order else len(order)
        return (kinds.get(name) != "send", known, name)

    ordered = sorted(channels.items(), key=place)
    for name, channel in ordered:
        kind = "message" if kinds.get(name) == "send" else "consumer"
        lines.append(
            f"| [{describing.cell(name)}](#{_anchor(name)}) | `{channel['address']}` | {kind} |"
        )
    for name, channel in ordered:
        lines += ["", f"## {name}", "", f"Subject `{channel['address']}`.", ""]
        if channel.get("description"):
            lines += [" ".join(str(channel["description"]).split()), ""]
        if kinds.get(name) != "send":
            continue
        for reference in channel.get("messages", {}).values():
            message = describing.resolve(reference, document)
            payload = describing.resolve(message.get("payload", {}), document)
            lines.append(describing.table(describing.rows(payload, root=document)))
    return "\n".join(lines)


def _anchor(heading: str) -> str:
    """The id Starlight gives a heading (github-slugger): lower case, spaces to hyphens."""
    kept = "".join(c for c in heading.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def _channel_name(reference: str) -> str:
    return reference.rsplit("/", 1)[-1].replace("%20", " ")


def _doc(model: type[BaseModel]) -> str:
    return " ".join((model.__doc__ or "").split())


async def _never_called(message: NatsMessage) -> None:
    """The document needs a handler per subscriber; nothing ever runs this one."""
