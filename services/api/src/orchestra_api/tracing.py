"""The trace id of every response (``X-Trace-Id``), and the launch's names on its span.

An operator asked "why did my launch take three minutes?" needs the trace of
that launch; the learner's browser (or curl) shows this header, which leads
straight to it in the trace viewer. A plain ASGI middleware, so streamed
responses (the live event stream) pass through untouched.
"""

from __future__ import annotations

from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-trace-id"


class TraceIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_trace_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                context = trace.get_current_span().get_span_context()
                if context.is_valid:
                    headers = list(message.get("headers", []))
                    headers.append((HEADER, format(context.trace_id, "032x").encode()))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_trace_id)


def annotate_span(workshop: str, template: str) -> None:
    """Name the workshop and template on the request's span, so a trace can be found by them."""
    span = trace.get_current_span()
    span.set_attribute("orchestra.workshop.name", workshop)
    span.set_attribute("orchestra.template.slug", template)
