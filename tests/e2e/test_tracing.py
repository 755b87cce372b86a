"""One launch is one trace, across every process and hop; every service exposes /metrics.

The stack's services export spans over OTLP to a receiver in this test. The
trace must cross the outbox (stored headers), NATS (message headers), the
Workshop (its traceparent annotation) and, hours later in real life, the
termination expiry fires (the context kept with the deadline).
"""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from orchestra_devstack.tracecollecting import CollectedSpan, TraceCollector
from tests.e2e.stacking import as_learner, instance, running_stack, wait_for

# Above the sum of the waits below plus starting and stopping the stack (a minute or
# more each on a loaded machine): the bound only catches a hang.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
ADA = "ada@example.org"
SERVICES = {"orchestra-api", "orchestra-operator", "orchestra-sync", "orchestra-expiry"}


def one(spans: list[CollectedSpan], service: str, name: str) -> CollectedSpan:
    found = [s for s in spans if s.service == service and s.name == name]
    assert len(found) == 1, f"{service} {name!r}: {[(s.service, s.name) for s in spans]}"
    return found[0]


def launch_request(spans: list[CollectedSpan]) -> CollectedSpan:
    return next(
        s
        for s in spans
        if s.service == "orchestra-api"
        and s.attributes.get("http.route") == "/api/v1/instances"
        and s.attributes.get("http.request.method", s.attributes.get("http.method")) == "POST"
        and s.parent_span_id is None
    )


async def test_a_launch_is_one_trace_from_request_to_termination() -> None:
    async with TraceCollector() as collector:
        otel = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        }
        async with (
            running_stack(common_env=otel) as stack,
            httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client,
        ):
            launched = await client.post(
                "/api/v1/instances",
                json={"template": "rstudio", "duration": "6s"},
                headers=as_learner(ADA),
            )
            assert launched.status_code == 202, launched.text
            name = launched.json()["name"]
            trace_id = launched.headers["X-Trace-Id"]
            await wait_for(
                lambda: instance(client, name, ADA),
                until=lambda body: body["phase"] == "Terminated",
                timeout=90,
                what=f"{name} to be launched and expire",
            )

            async def spans_of_the_launch() -> list[CollectedSpan]:
                try:
                    root = launch_request(collector.spans)
                except StopIteration:
                    return []
                return collector.trace(root.trace_id)

            def complete(spans: list[CollectedSpan]) -> bool:
                names = {(s.service, s.name) for s in spans}
                return {
                    ("orchestra-operator", "orchestra.commands.terminate process"),
                    ("orchestra-sync", "record Terminated"),
                } <= names

            spans = await wait_for(
                spans_of_the_launch, until=complete, timeout=30, what="the launch's spans"
            )
            metrics = {
                service: (await client.get(url)).text for service, url in stack.metrics_urls.items()
            }

    assert {s.service for s in spans} == SERVICES
    request = launch_request(spans)
    assert request.trace_id == trace_id  # the response header leads to this very trace
    relayed = one(spans, "orchestra-api", "orchestra.commands.launch publish")
    operator = one(spans, "orchestra-operator", "orchestra.commands.launch process")
    scheduled = one(spans, "orchestra-expiry", "orchestra.commands.launch process")
    ready = one(spans, "orchestra-sync", "record Ready")
    expired = one(spans, "orchestra-expiry", "orchestra.commands.terminate publish")
    terminated = one(spans, "orchestra-operator", "orchestra.commands.terminate process")
    for span in (request, relayed, operator):
        assert span.attributes["orchestra.workshop.name"] == name
        assert span.attributes["orchestra.template.slug"] == "rstudio"
    assert operator.attributes["messaging.system"] == "nats"

    # api request → outbox → relay publish → (NATS) → operator and expiry consumers
    assert relayed.parent_span_id == request.span_id
    assert operator.parent_span_id == relayed.span_id
    assert scheduled.parent_span_id == relayed.span_id
    # operator → (Workshop annotation) → reconciles and sync's records
    reconciles = [s for s in spans if s.name == "reconcile Workshop"]
    assert reconciles
    assert all(s.parent_span_id == operator.span_id for s in reconciles)
    assert ready.parent_span_id == operator.span_id
    assert ready.attributes["orchestra.workshop.name"] == name
    assert ready.attributes["orchestra.template.slug"] == "rstudio"
    # Kubernetes API calls made during the launch are children of the operator's spans.
    assert any(
        s.attributes.get("http.request.method") == "POST" and s.parent_span_id == operator.span_id
        for s in spans
        if s.service == "orchestra-operator"
    )
    # expiry's consumer → (schedule) → termination publish → operator
    assert expired.parent_span_id == scheduled.span_id
    assert terminated.parent_span_id == expired.span_id
    # Postgres calls are traced too.
    assert any(s.attributes.get("db.system") == "postgresql" for s in spans)

    for service, text in metrics.items():
        families = {family.name for family in text_string_to_metric_families(text)}
        assert families, f"{service} exposes no metrics"
    assert "orchestra_api_launches" in {
        f.name for f in text_string_to_metric_families(metrics["api"])
    }
    assert "orchestra_launch_to_ready_seconds" in {
        f.name for f in text_string_to_metric_families(metrics["sync"])
    }
    assert "orchestra_expiry_lateness_seconds" in {
        f.name for f in text_string_to_metric_families(metrics["expiry"])
    }
    assert "orchestra_operator_reconcile_duration_seconds" in {
        f.name for f in text_string_to_metric_families(metrics["operator"])
    }
