"""A small OTLP/HTTP trace receiver on loopback, for tests and ``make dev`` without Jaeger.

No trace viewer can be installed on the build machines, so the end-to-end test
of propagation needs somewhere for the services' exporters to send spans. This
accepts ``POST /v1/traces`` (protobuf, optionally gzip-compressed, as the
OpenTelemetry SDK sends it), decodes each span into a plain ``CollectedSpan``
and keeps them in memory for assertions. For people, ``GET /traces`` lists
the traces received (newest first) and ``GET /traces/{trace_id}`` prints one
as an indented tree: the trace viewer of ``make dev``.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from orchestra_devstack.probes import LOOPBACK


@dataclass(frozen=True)
class CollectedSpan:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str | None
    kind: int
    attributes: dict[str, Any] = field(default_factory=dict)
    start_ns: int = 0
    end_ns: int = 0

    @property
    def milliseconds(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6


def render_tree(spans: list[CollectedSpan]) -> str:
    """One trace as text: each span under its parent, with service, offset and duration."""
    if not spans:
        return "no such trace\n"
    by_parent: dict[str | None, list[CollectedSpan]] = {}
    ids = {span.span_id for span in spans}
    for span in spans:
        parent = span.parent_span_id if span.parent_span_id in ids else None
        by_parent.setdefault(parent, []).append(span)
    origin = min(span.start_ns for span in spans)
    lines: list[str] = []

    def walk(parent: str | None, depth: int) -> None:
        for span in sorted(by_parent.get(parent, []), key=lambda s: s.start_ns):
            offset = (span.start_ns - origin) / 1e6
            lines.append(
                f"{offset:9.1f} ms {span.milliseconds:8.1f} ms  {'  ' * depth}"
                f"{span.service}: {span.name}"
            )
            walk(span.span_id, depth + 1)

    walk(None, 0)
    return "\n".join(lines) + "\n"


def render_index(spans: list[CollectedSpan]) -> str:
    """Every trace received, newest first, named by its root span."""
    roots = [span for span in spans if span.parent_span_id is None]
    lines = [
        f"{root.trace_id}  {root.service}: {root.name}"
        for root in sorted(roots, key=lambda s: s.start_ns, reverse=True)
    ]
    return "\n".join(lines) + "\n" if lines else "no traces yet\n"


def _value(value: AnyValue) -> Any:
    which = value.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [_value(v) for v in value.array_value.values]
    if which == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in value.kvlist_value.values}
    return getattr(value, which)


def decode(body: bytes) -> list[CollectedSpan]:
    """Spans from one OTLP export request (pure; tested with the SDK's own exporter)."""
    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    spans: list[CollectedSpan] = []
    for resource_spans in request.resource_spans:
        resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
        service = str(resource.get("service.name", "unknown"))
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    CollectedSpan(
                        service=service,
                        name=span.name,
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex() or None,
                        kind=span.kind,
                        attributes={a.key: _value(a.value) for a in span.attributes},
                        start_ns=span.start_time_unix_nano,
                        end_ns=span.end_time_unix_nano,
                    )
                )
    return spans


class TraceCollector:
    """``async with TraceCollector() as collector:`` then point ``OTEL_EXPORTER_OTLP_ENDPOINT``
    at ``collector.endpoint`` and read ``collector.spans``."""

    def __init__(self, *, host: str = LOOPBACK, port: int = 0) -> None:
        self.host = host
        self.port = port
        self.spans: list[CollectedSpan] = []
        self._runner: web.AppRunner | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def _receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.spans.extend(decode(body))
        return web.Response(
            body=ExportTraceServiceResponse().SerializeToString(),
            content_type="application/x-protobuf",
        )

    async def _index(self, request: web.Request) -> web.Response:
        return web.Response(text=render_index(self.spans))

    async def _show(self, request: web.Request) -> web.Response:
        return web.Response(text=render_tree(self.trace(request.match_info["trace_id"])))

    def trace(self, trace_id: str) -> list[CollectedSpan]:
        return [span for span in self.spans if span.trace_id == trace_id]

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/traces", self._receive)
        app.router.add_get("/traces", self._index)
        app.router.add_get("/traces/{trace_id}", self._show)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        if self.port == 0 and server is not None:
            sockets = getattr(server, "sockets", None) or []
            self.port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TraceCollector:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
