"""Passing an admitted request to the workshop application: HTTP streamed, WebSocket relayed.

The application sees the original Host and Origin (Jupyter and code-server check
them on WebSockets), the usual ``X-Forwarded-*`` headers, and every cookie but
the gate's own: the session cookie is the gate's business, not the
application's. Bodies are streamed both ways, so uploads and downloads of any
size pass without being held in memory. Called by ``routes``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

log = logging.getLogger(__name__)

# Hop-by-hop headers (RFC 9110 7.6.1) and those the client library sets itself.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_WEBSOCKET_OWN = frozenset(
    {
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
        "sec-websocket-accept",
    }
)


_DATA = frozenset({aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY})


def without_cookie(cookie_header: str, name: str) -> str:
    """The ``Cookie`` header with the gate's own cookie taken out."""
    kept = [
        part.strip()
        for part in cookie_header.split(";")
        if part.strip() and part.strip().split("=", 1)[0].strip() != name
    ]
    return "; ".join(kept)


def upstream_headers(request: web.BaseRequest, *, cookie_name: str) -> CIMultiDict[str]:
    headers: CIMultiDict[str] = CIMultiDict()
    for key, value in request.headers.items():
        lower = key.lower()
        if lower in _HOP_BY_HOP or lower in _WEBSOCKET_OWN:
            continue
        if lower == "cookie":
            value = without_cookie(value, cookie_name)
            if not value:
                continue
        headers.add(key, value)
    peer = request.remote or ""
    prior = request.headers.get("X-Forwarded-For")
    headers["X-Forwarded-For"] = f"{prior}, {peer}" if prior else peer
    headers.setdefault("X-Forwarded-Proto", request.scheme)
    headers.setdefault("X-Forwarded-Host", request.host)
    return headers


def is_websocket(request: web.BaseRequest) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


async def proxy_http(
    request: web.BaseRequest,
    target: str,
    *,
    client: aiohttp.ClientSession,
    cookie_name: str,
) -> web.StreamResponse:
    body = request.content.iter_any() if request.body_exists else None
    try:
        async with client.request(
            request.method,
            target,
            headers=upstream_headers(request, cookie_name=cookie_name),
            data=body,
            allow_redirects=False,
            auto_decompress=False,
        ) as upstream:
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            for key, value in upstream.headers.items():
                if key.lower() not in _HOP_BY_HOP:
                    response.headers.add(key, value)
            await response.prepare(request)
            async for chunk in upstream.content.iter_any():
                await response.write(chunk)
            await response.write_eof()
            return response
    except (aiohttp.ClientConnectionError, TimeoutError) as error:
        log.info("workshop application not reachable", extra={"error": repr(error)})
        return web.Response(
            status=502,
            text="The workshop application is not answering yet; reload in a moment.\n",
        )


async def proxy_websocket(
    request: web.BaseRequest,
    target: str,
    *,
    client: aiohttp.ClientSession,
    cookie_name: str,
    on_message: Callable[[bool], None],
    until_refused: Callable[[], Coroutine[Any, Any, None]] | None = None,
) -> web.StreamResponse:
    """Relay both ways; ``on_message(counted)`` on every message, ``counted`` for the
    browser's own data messages only (what a person types; docs/src/content/docs/decisions/0060).
    When ``until_refused`` returns (an instructor's consent was withdrawn), both sides
    are closed with 1008, policy violation."""
    offered = [
        p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()
    ]
    try:
        upstream = await client.ws_connect(
            target,
            headers=upstream_headers(request, cookie_name=cookie_name),
            protocols=offered,
            autoping=False,
            max_msg_size=0,
        )
    except aiohttp.WSServerHandshakeError as error:
        return web.Response(status=error.status or 502, text="WebSocket refused upstream.\n")
    except (aiohttp.ClientConnectionError, TimeoutError):
        return web.Response(status=502, text="The workshop application is not answering.\n")
    downstream = web.WebSocketResponse(
        protocols=[upstream.protocol] if upstream.protocol else [],
        autoping=False,
        max_msg_size=0,
    )
    await downstream.prepare(request)

    async def pump(
        source: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
        sink: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
        from_browser: bool,
    ) -> None:
        async for message in source:
            on_message(from_browser and message.type in _DATA)
            if message.type == aiohttp.WSMsgType.TEXT:
                await sink.send_str(message.data)
            elif message.type == aiohttp.WSMsgType.BINARY:
                await sink.send_bytes(message.data)
            elif message.type == aiohttp.WSMsgType.PING:
                await sink.ping(message.data)
            elif message.type == aiohttp.WSMsgType.PONG:
                await sink.pong(message.data)
            else:
                break
        await sink.close(code=source.close_code or aiohttp.WSCloseCode.OK)

    async with upstream:
        tasks = [
            asyncio.create_task(pump(downstream, upstream, True)),
            asyncio.create_task(pump(upstream, downstream, False)),
        ]
        watch = asyncio.create_task(until_refused()) if until_refused is not None else None
        if watch is not None:
            tasks.append(watch)
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            if watch is not None and watch in done:
                await downstream.close(
                    code=aiohttp.WSCloseCode.POLICY_VIOLATION,
                    message=b"the learner no longer lets instructors in",
                )
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, ConnectionError, RuntimeError):
                    await task
    return downstream
