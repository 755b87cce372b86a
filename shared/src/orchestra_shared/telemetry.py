"""Logging and tracing set-up, the same in every service.

Logs are JSON lines carrying the current ``trace_id`` and ``span_id`` so that a
log line leads to its trace. Tracing is configured from the standard
``OTEL_*`` environment variables by the OpenTelemetry SDK itself; without an
exporter endpoint it stays a no-op. Services call these from ``main.py`` only,
never at import time.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from prometheus_client import start_http_server


class TracingSettings(Protocol):
    """What tracing needs of a service's settings (``settings.TelemetrySettings`` has it)."""

    otlp_endpoint: str | None
    sdk_disabled: bool


_PLAIN = (str, int, float, bool, type(None))
_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, trace ids and extras."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            entry["trace_id"] = format(context.trace_id, "032x")
            entry["span_id"] = format(context.span_id, "016x")
        for key, value in record.__dict__.items():
            # Only plain values: frameworks attach whole objects (settings, bodies) as extras.
            if key not in _RESERVED and not key.startswith("_") and isinstance(value, _PLAIN):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(service: str, *, level: str = "INFO") -> None:
    """Route every logger to JSON lines on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Per-request and per-handler success lines drown what matters at 9 am.
    for noisy in ("aiohttp.access", "uvicorn.access", "kopf.objects", "kopf.activities"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("faststream").addFilter(routine_fetch_end)


def routine_fetch_end(record: logging.LogRecord) -> bool:
    """False for faststream's lines about a pull consumer's fetch that ended as usual.

    nats-py's fetch raises asyncio's TimeoutError when a fetch finds nothing in time,
    where faststream suppresses only nats' own subclass of it; faststream's task
    supervisor then logs the TimeoutError at ERROR with a traceback (once per process),
    logs "callback for Task-N is being executed" at INFO, and starts the fetch again.
    Nothing is lost, and an idle consumer does it every second: so these lines go, and
    any other exception of a consumer's task is still logged.
    """
    message = record.getMessage()
    if message.startswith("callback for ") and message.endswith(" is being executed..."):
        return False
    error = record.exc_info[1] if record.exc_info else None
    return not (type(error) is TimeoutError and "raised an exception, retrying" in message)


def tracing_enabled(settings: TracingSettings) -> bool:
    """Whether spans go anywhere: an OTLP endpoint is set and the SDK is not disabled.

    Services skip their instrumentation otherwise; even no-op spans cost CPU per request.
    """
    return bool(settings.otlp_endpoint) and not settings.sdk_disabled


def configure_tracing(service: str, settings: TracingSettings) -> Callable[[], None]:
    """Install the global tracer provider when an endpoint is set; returns a flush-and-stop.

    Every service calls this once from ``main.py``. Spans are exported over
    OTLP/HTTP in batches; the returned function flushes what is left at exit.
    """
    if not tracing_enabled(settings):
        return lambda: None
    resource = Resource.create({SERVICE_NAME: f"orchestra-{service}"})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider.shutdown


def inject_context(carrier: dict[str, str] | None = None) -> dict[str, str]:
    """The current trace context as W3C headers (``traceparent``), for a message or annotation."""
    carrier = {} if carrier is None else carrier
    propagate.inject(carrier)
    return carrier


def extract_context(carrier: Mapping[str, str] | None) -> Context:
    """The trace context carried by message headers or a Workshop annotation."""
    return propagate.extract(dict(carrier or {}))


def serve_metrics(host: str, port: int) -> Callable[[], None]:
    """Serve ``/metrics`` (Prometheus text format) from a thread; returns a stop function.

    For the services without an HTTP server of their own (operator, sync,
    expiry); the api serves ``/metrics`` on its main port.
    """
    server, thread = start_http_server(port, addr=host)

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=5)

    return stop
