"""Timing every request for the request-duration histogram of ``/metrics``.

A plain ASGI middleware outside the router: it reads the matched route from the
scope once the app has answered, so the label is the route's template
(``/api/v1/instances/{name}``), never the raw path, and a request nothing
matched counts as ``(unmatched)``. The duration runs until the last byte of the
response is handed to the server (for the live event stream, until it ends).
Methods outside the standard set are labelled ``other``: a client must not be
able to mint series.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orchestra_api.metering import Metrics

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class TimingMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500  # what the server answers when the app fails before it starts a response

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = scope.get("route")
            method = scope["method"] if scope["method"] in METHODS else "other"
            self.metrics.requested(
                getattr(route, "path", None), method, status, time.perf_counter() - began
            )
