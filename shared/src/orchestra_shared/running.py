"""The process lifecycle every background service shares: telemetry up, run until a signal.

operator, sync and expiry each call ``run_service`` from ``main.run`` with their
own settings and ``serve`` coroutine: JSON logs, tracing from the ``OTEL_*``
variables, ``/metrics`` on the metrics port, then ``serve(stop)`` until SIGTERM or
SIGINT sets ``stop``; tracing is flushed and the metrics endpoint closed on the
way out, whatever happened. (The api is served by uvicorn, which has its own.)
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import Protocol

from orchestra_shared.telemetry import (
    TracingSettings,
    configure_logging,
    configure_tracing,
    serve_metrics,
)


class ServiceSettings(TracingSettings, Protocol):
    metrics_host: str
    metrics_port: int


def stop_on_signals(stop: asyncio.Event) -> None:
    """SIGTERM and SIGINT set ``stop`` (again, after a library installed its own handlers)."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)


def run_service(
    service: str,
    settings: ServiceSettings,
    serve: Callable[[asyncio.Event], Awaitable[None]],
) -> None:
    configure_logging(service)
    stop_tracing = configure_tracing(service, settings)
    stop_metrics = (
        serve_metrics(settings.metrics_host, settings.metrics_port)
        if settings.metrics_port
        else None
    )

    async def main() -> None:
        stop = asyncio.Event()
        stop_on_signals(stop)
        await serve(stop)

    try:
        asyncio.run(main())
    finally:
        stop_tracing()
        if stop_metrics is not None:
            stop_metrics()
