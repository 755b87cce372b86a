"""Schemathesis fuzzes every operation of the api's own OpenAPI document.

A real api runs under uvicorn (in a thread with its own event loop) on a free
loopback port, with a migrated Postgres and a NATS; the document is fetched from
its ``/openapi.json``. Every operation gets positive and negative cases, sent
from loopback (a trusted peer here) with the identity headers of a learner, then
of an admin (``X-Auth-Request-Groups: orchestra-admins``), so the fuzzing goes
past 401; a third run sends odd ``X-Auth-Request-Email`` bytes instead. One
instance is launched first and its name, the catalog's slugs and well-formed
bodies are offered too, so operations reach their successes, not only 4xx.

Each response must pass: no 5xx (``not_a_server_error``), a documented status
code, a documented content type (``application/problem+json`` on errors), a body
matching the declared schema (``ProblemBody`` on errors), and the declared
headers. Bounded: 30 derandomized examples per operation and run, no example
database, no deadline.

The live stream (``GET /api/v1/events``) is fuzzed too, with schemathesis's stream
checks: each event it sends (read for ``STREAM_SECONDS``, the stream never ends by
itself) must match the event schema the document declares, ``data`` included. Status
events are stored in the platform stream first, so that the fuzzed ``last_event_id``
values replay real events as well as ask for resyncs. Fewer examples there, as every
call waits out its read time.
"""

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from ipaddress import ip_network
from typing import Any

import httpx
import nats
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from services.api.tests.apis import ADA, BOB, TEMPLATES, admin, api_settings, learner

from orchestra_api.main import create_app
from orchestra_devstack.natsservers import NatsServer
from orchestra_devstack.probes import free_port
from orchestra_shared.catalogs import Catalog
from orchestra_shared.events import StatusChanged, encode_event
from orchestra_shared.streaming import ensure_stream
from orchestra_shared.subjects import STATUS_CHANGED

Operation = schemathesis.APIOperation[Any, Any, Any, Any]
STREAM_PATH = "/api/v1/events"
STREAM_SECONDS = 1.0
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
FUZZ = settings(
    max_examples=30,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
FUZZ_STREAM = settings(FUZZ, max_examples=6)


@pytest.fixture
def base_url(dsn: str, nats_server: NatsServer, catalog: Catalog) -> Iterator[str]:
    """The api served by uvicorn on loopback, trusting loopback as its login proxy."""
    app_settings = api_settings(
        database_dsn=dsn,
        nats_url=nats_server.url,
        trusted_proxies=[ip_network("127.0.0.1/32")],
    )
    port = free_port()
    config = uvicorn.Config(
        create_app(app_settings, catalog), host="127.0.0.1", port=port, log_config=None
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(base, server, thread)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    assert not thread.is_alive(), "uvicorn did not stop"


def _wait_until_ready(base: str, server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + 120  # a hang, not a slow start on a busy machine
    while time.monotonic() < deadline:
        assert thread.is_alive(), "uvicorn stopped while starting"
        if server.started:
            try:
                if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the api to be ready")


def _store_status_events(nats_url: str) -> None:
    """Phase changes of Ada's (the learner's) and Bob's in the platform stream, to replay."""

    async def store() -> None:
        client = await nats.connect(nats_url)
        try:
            js = client.jetstream()
            await ensure_stream(js)
            for n, owner in enumerate([ADA, BOB] * 3):
                event = StatusChanged(
                    instance=f"alpha-fuzz-{n}",
                    owner=owner,
                    phase="Ready",
                    url=f"https://alpha-fuzz-{n}.example.org/",
                    transitioned_at=datetime.now(UTC),
                )
                await js.publish(STATUS_CHANGED, encode_event(event))
        finally:
            await client.close()

    asyncio.run(store())


def _launch(base: str) -> str:
    response = httpx.post(
        f"{base}/api/v1/instances", json={"template": "alpha"}, headers=learner(), timeout=30
    )
    assert response.status_code == 202, response.text
    name: str = response.json()["name"]
    return name


def _cases(operation: Operation, name: str) -> st.SearchStrategy[Any]:
    """Positive and negative cases, and cases with values the api knows (the launched
    instance, the catalog's slugs, well-formed bodies), which reach its successes."""
    strategies = [
        operation.as_strategy(generation_mode=mode)
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
    ]
    known: dict[str, Any] = {}
    if "{name}" in operation.path:
        known["path_parameters"] = {"name": name}
    if "{slug}" in operation.path:
        strategies += [operation.as_strategy(path_parameters={"slug": slug}) for slug in TEMPLATES]
    if operation.label == "POST /api/v1/instances":
        strategies += [
            operation.as_strategy(body={"template": slug, **extra})
            for slug in TEMPLATES
            for extra in ({}, {"duration": "1h"})
        ]
    elif operation.label == "POST /api/v1/instances/{name}/extend":
        strategies += [operation.as_strategy(body={"by": by}, **known) for by in ("30m", "1h")]
    elif known:
        strategies.append(operation.as_strategy(**known))
    return st.one_of(strategies)


ODD_EMAILS = st.text(st.characters(exclude_categories=["Cc", "Cs"]), max_size=80).map(
    lambda text: text.strip().encode()  # as bytes on the wire; the proxy would not send controls
)
IDENTITIES = {
    "learner": st.just(learner()),
    "admin": st.just(admin()),
    "odd-email": ODD_EMAILS.map(lambda email: {"X-Auth-Request-Email": email}),
}


def _fuzzer(
    operation: Operation, name: str, identity: str, base_url: str, *, streaming: bool
) -> Callable[[], None]:
    """The hypothesis test of one operation as one identity."""
    timeout = STREAM_SECONDS if streaming else 30

    @(FUZZ_STREAM if streaming else FUZZ)
    @given(case=_cases(operation, name), who=IDENTITIES[identity])
    def fuzz(case: Any, who: dict[str, Any]) -> None:
        case.call_and_validate(base_url=base_url, headers=who, checks=CHECKS, timeout=timeout)

    result: Callable[[], None] = fuzz
    return result


IDENTITY_HEADERS = {"learner": learner(), "admin": admin(), "odd-email": learner()}
REPLAYS: dict[str, list[dict[str, str]]] = {
    "learner": [{"last_event_id": "0"}, {"last_event_id": "3"}],
    "admin": [{"last_event_id": "0", "scope": "all"}, {"last_event_id": "0"}],
    "odd-email": [],
}


@pytest.mark.parametrize("identity", IDENTITIES)
def test_every_operation_conforms_to_the_openapi_document(
    base_url: str, nats_server: NatsServer, identity: str
) -> None:
    name = _launch(base_url)
    _store_status_events(nats_server.url)
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations: list[Operation] = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations.append(result.ok())
    # Deletions last: the launched instance stays up for the other operations.
    operations.sort(key=lambda operation: operation.method.upper() == "DELETE")
    assert len(operations) >= 18, [operation.label for operation in operations]
    assert STREAM_PATH in {operation.path for operation in operations}
    failures: list[str] = []
    for operation in operations:
        streaming = operation.path == STREAM_PATH

        fuzz = _fuzzer(operation, name, identity, base_url, streaming=streaming)
        try:
            fuzz()
            if streaming:  # replays of the stored events, whatever the fuzzing drew
                for query in REPLAYS[identity]:
                    operation.Case(query=query).call_and_validate(
                        base_url=base_url, headers=IDENTITY_HEADERS[identity], checks=CHECKS,
                        timeout=STREAM_SECONDS,
                    )  # fmt: skip
        except Exception as error:
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
