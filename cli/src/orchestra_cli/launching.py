"""``orchestra sessions launch`` and ``leave``: a launch from the command line, which may
wait in line when the platform is full (docs/src/content/docs/decisions/0070).

The api answers 202 with an instance (it has a ``name``) or with a waiting ticket (it has
a ``ticket``); ``describe`` says which in words and is pure, so the wording is tested
without a server. ``--wait`` polls the ticket's url until the wait ends. Only the standard
library's HTTP client: the CLI stays a small install for catalog authors.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any, TextIO

POLL_SECONDS = 5.0


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def minutes(seconds: int | None) -> str:
    if seconds is None:
        return "how long it takes is unknown (no session ended recently)"
    count = max(1, round(seconds / 60))
    return f"about {count} minute{'s' if count != 1 else ''}"


def describe(answer: Answer) -> tuple[str, int]:
    """What to print for an answer of the launch (or of a ticket), and the exit status:
    0 launched or waiting, 1 refused or failed."""
    body = answer.body
    if answer.status >= 400:
        title = body.get("title") or f"HTTP {answer.status}"
        detail = body.get("detail") or ""
        return f"orchestra: {title}: {detail}".rstrip(": "), 1
    if "ticket" in body:
        state = body.get("state")
        ticket = body["ticket"]
        if state == "waiting":
            return (
                f"The platform is full: you are number {body.get('position') or '?'} in line, "
                f"{minutes(body.get('estimate_seconds'))}. Ticket {ticket}; leave the line "
                f"with `orchestra sessions leave {ticket}`.",
                0,
            )
        if state == "admitted":
            return f"Your turn came: launched {body.get('instance')}.", 0
        if state == "left":
            return f"You left the line (ticket {ticket}).", 0
        return f"Your wait ended without a launch: {body.get('reason') or state}.", 1
    return f"Launched {body.get('name')} ({body.get('phase')}).", 0


class Client:
    def __init__(self, api: str, headers: dict[str, str]) -> None:
        self.api = api.rstrip("/")
        self.headers = {"Accept": "application/json", **headers}

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Answer:
        data = json.dumps(body).encode() if body is not None else None
        headers = {**self.headers, **({"Content-Type": "application/json"} if data else {})}
        request = urllib.request.Request(self.api + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Answer(response.status, json.loads(response.read() or b"{}"))
        except urllib.error.HTTPError as error:
            try:
                problem = json.loads(error.read() or b"{}")
            except ValueError:
                problem = {}
            return Answer(error.code, problem if isinstance(problem, dict) else {})


def launch(
    client: Client,
    template: str,
    *,
    duration: str | None,
    wait: bool,
    out: TextIO,
    err: TextIO,
    poll: float = POLL_SECONDS,
) -> int:
    body: dict[str, Any] = {"template": template}
    if duration:
        body["duration"] = duration
    key = {"Idempotency-Key": str(uuid.uuid4())}
    answer = Client(client.api, {**client.headers, **key}).call("POST", "/api/v1/instances", body)
    text, status = describe(answer)
    print(text, file=err if status else out)
    last = text
    while wait and status == 0 and answer.body.get("state") == "waiting":
        time.sleep(poll)
        answer = client.call("GET", str(answer.body["url"]))
        text, status = describe(answer)
        if text != last:  # say it only when the place moved
            print(text, file=err if status else out)
            last = text
    return status


def leave(client: Client, ticket: int, *, out: TextIO, err: TextIO) -> int:
    text, status = describe(client.call("DELETE", f"/api/v1/waiting-room/{ticket}"))
    print(text, file=err if status else out)
    return status
