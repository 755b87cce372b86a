"""Where sync's records join the launch's trace.

The operator keeps the launch's trace context on the Workshop (annotation
``orchestra.io/traceparent``); each recorded transition of a Workshop that
carries one becomes a short span ``record <phase>`` in that trace, so a
launch's trace shows when its phases reached Postgres. Spans are made after
the commit: a rolled-back record leaves no span.
"""

from __future__ import annotations

from datetime import datetime

from opentelemetry import trace

from orchestra_shared.telemetry import extract_context
from orchestra_sync.observing import Observation
from orchestra_sync.recording import Recorded

TRACER_NAME = "orchestra.sync"


def _nanoseconds(at: datetime) -> int:
    return int(at.timestamp() * 1_000_000_000)


def trace_recorded(observation: Observation, recorded: Recorded, committed_at: datetime) -> None:
    if not observation.traceparent or not recorded.steps:
        return
    context = extract_context({"traceparent": observation.traceparent})
    tracer = trace.get_tracer(TRACER_NAME)
    attributes = {
        "orchestra.workshop.name": observation.name,
        "orchestra.template.slug": observation.template or "",
    }
    for step in recorded.steps:
        span = tracer.start_span(
            f"record {step.phase}",
            context=context,
            attributes={**attributes, "orchestra.phase": step.phase},
            start_time=_nanoseconds(min(step.at, committed_at)),
        )
        span.end(end_time=_nanoseconds(committed_at))
