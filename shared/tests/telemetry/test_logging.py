"""Log lines are JSON with the current trace and span ids, and never choke on odd extras."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import nats.errors
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider

from orchestra_shared.telemetry import (
    JsonFormatter,
    configure_logging,
    extract_context,
    inject_context,
)


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


def faststream_record(message: str, level: int, error: BaseException | None = None) -> bool:
    """Whether faststream's logger, as configure_logging leaves it, lets this line out."""
    exc_info = (type(error), error, error.__traceback__) if error else None
    entry = logging.LogRecord("faststream", level, __file__, 1, message, (), exc_info)
    return bool(logging.getLogger("faststream").filter(entry))


def raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:
        return caught


@pytest.fixture
def service_logging() -> Iterator[None]:
    """configure_logging as a service calls it, undone afterwards for the other tests."""
    root, faststream = logging.getLogger(), logging.getLogger("faststream")
    handlers, level, filters = root.handlers[:], root.level, faststream.filters[:]
    configure_logging("operator")
    try:
        yield
    finally:
        root.handlers[:], root.level, faststream.filters[:] = handlers, level, filters


@pytest.mark.usefixtures("service_logging")
def test_an_idle_consumers_fetch_ending_is_not_logged_but_a_real_failure_is() -> None:
    retrying = "Task-17 raised an exception, retrying...\nIf this behavior causes issues, ..."
    assert not faststream_record("callback for Task-17 is being executed...", logging.INFO)
    assert not faststream_record(retrying, logging.ERROR, raised(TimeoutError()))
    # nats' own TimeoutError is what faststream does suppress; anything else is a failure.
    assert faststream_record(retrying, logging.ERROR, raised(nats.errors.NoServersError()))
    assert faststream_record("`OnCommand` waiting for messages", logging.INFO)
