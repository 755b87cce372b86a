"""A client that treats ``*.localhost`` as browsers do: loopback, with a real cookie jar.

Chromium and curl resolve every ``*.localhost`` name to loopback; the system
resolver here does not. The gate's tests, the end-to-end tests and the gate's
benchmark use this client to reach ``{instance}.localhost:PORT`` by name, so
host-only cookies go exactly where a browser would send them.
"""

from __future__ import annotations

import socket

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult


class LocalhostResolver(AbstractResolver):
    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host != "localhost" and not host.endswith(".localhost") and host != "127.0.0.1":
            raise OSError(f"{host} is not on loopback")
        return [
            ResolveResult(
                hostname=host, host="127.0.0.1", port=port, family=socket.AF_INET, proto=0, flags=0
            )
        ]

    async def close(self) -> None:
        return None


def browser() -> aiohttp.ClientSession:
    """A client with a cookie jar, no redirects followed unless asked, *.localhost on loopback."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=LocalhostResolver(), force_close=False),
        cookie_jar=aiohttp.CookieJar(),
        timeout=aiohttp.ClientTimeout(total=20),
    )
