"""Log lines are JSON with the current trace and span ids, and never choke on odd extras."""

from __future__ import annotations

import json
import logging

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider

from orchestra_shared.telemetry import JsonFormatter, extract_context, inject_context


def record(message: str, **extra: object) -> logging.LogRecord:
    entry = logging.LogRecord("orchestra.test", logging.INFO, __file__, 1, message, (), None)
    for key, value in extra.items():
        setattr(entry, key, value)
    return entry


def test_a_line_inside_a_span_carries_its_trace_and_span_ids() -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("work") as span:
        line = json.loads(JsonFormatter("api").format(record("launched", workshop="ws-1")))
    context = span.get_span_context()
    assert line["trace_id"] == format(context.trace_id, "032x")
    assert line["span_id"] == format(context.span_id, "016x")
    assert line["service"] == "api"
    assert line["message"] == "launched"
    assert line["workshop"] == "ws-1"


def test_outside_a_span_there_are_no_trace_ids_and_objects_are_left_out() -> None:
    line = json.loads(JsonFormatter("sync").format(record("idle", settings=object(), count=3)))
    assert "trace_id" not in line
    assert "settings" not in line  # whole framework objects would flood the logs
    assert line["count"] == 3


def test_trace_context_round_trips_through_headers() -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("publish") as span:
        headers = inject_context({"Nats-Msg-Id": "x"})
    assert headers["Nats-Msg-Id"] == "x"
    child = tracer.start_span("consume", context=extract_context(headers))
    assert isinstance(child, ReadableSpan)
    assert child.get_span_context().trace_id == span.get_span_context().trace_id
    assert child.parent is not None
    assert child.parent.span_id == span.get_span_context().span_id
