"""The OTLP receiver decodes what the real OpenTelemetry SDK exporter sends."""

from __future__ import annotations

import asyncio

import aiohttp
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from orchestra_devstack.tracecollecting import TraceCollector


async def test_spans_exported_by_the_sdk_arrive_with_parents_and_attributes() -> None:
    async with TraceCollector() as collector:
        provider = TracerProvider(resource=Resource.create({"service.name": "orchestra-test"}))
        exporter = OTLPSpanExporter(endpoint=f"{collector.endpoint}/v1/traces")
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        tracer = provider.get_tracer("test")

        def emit() -> tuple[str, str]:
            with tracer.start_as_current_span("outer") as outer:
                with tracer.start_as_current_span("inner") as inner:
                    inner.set_attribute("orchestra.workshop.name", "rstudio-1122-bcdfgh")
                return (
                    format(outer.get_span_context().trace_id, "032x"),
                    format(outer.get_span_context().span_id, "016x"),
                )

        # The exporter is blocking HTTP; the receiver runs on this loop.
        trace_id, outer_id = await asyncio.to_thread(emit)
        provider.shutdown()
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{collector.endpoint}/traces") as response:
                index = await response.text()
            async with session.get(f"{collector.endpoint}/traces/{trace_id}") as response:
                tree = await response.text()

    spans = {span.name: span for span in collector.trace(trace_id)}
    assert set(spans) == {"outer", "inner"}
    assert spans["inner"].parent_span_id == outer_id
    assert spans["outer"].parent_span_id is None
    assert spans["inner"].service == "orchestra-test"
    assert spans["inner"].attributes["orchestra.workshop.name"] == "rstudio-1122-bcdfgh"
    assert index == f"{trace_id}  orchestra-test: outer\n"
    outer_line, inner_line = tree.splitlines()
    assert outer_line.endswith("ms  orchestra-test: outer")
    assert inner_line.endswith("ms    orchestra-test: inner")  # indented under its parent
