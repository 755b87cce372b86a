"""Where the operator's spans join the launch's trace.

The launch's trace context arrives in the command's message headers; the
operator stores it on the Workshop (annotation ``orchestra.io/traceparent``)
so that reconciles, which Kopf starts from watch events with no message in
hand, can join the same trace. Only reconciles of a Workshop still starting
up are traced: a Ready workshop is reconciled every few seconds for hours,
and those passes would bury the launch in its own trace.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context

from orchestra_shared import labels
from orchestra_shared.telemetry import extract_context

TRACER_NAME = "orchestra.operator"
SETTLED = frozenset({"Ready", "Failed"})


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


def launch_context(workshop: dict[str, Any]) -> Context | None:
    """The launch's trace context while the Workshop is starting; None once it settled."""
    phase = (workshop.get("status") or {}).get("phase")
    traceparent = (workshop.get("metadata", {}).get("annotations") or {}).get(labels.TRACEPARENT)
    if not traceparent or phase in SETTLED:
        return None
    return extract_context({"traceparent": traceparent})


def workshop_attributes(workshop: dict[str, Any]) -> dict[str, str]:
    meta = workshop.get("metadata", {})
    spec = workshop.get("spec") or {}
    return {
        "orchestra.workshop.name": str(meta.get("name", "")),
        "orchestra.template.slug": str(spec.get("template", "")),
        "k8s.namespace.name": str(meta.get("namespace", "")),
    }
