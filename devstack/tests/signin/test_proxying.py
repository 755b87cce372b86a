"""The sign-in proxy over real HTTP: who the api is told the caller is, streams, the dashboard.

The api's place is taken by a small upstream that answers with what it received
(and an endless event stream), so each test sees exactly what crossed the proxy.
The whole chain with the real api is in ``tests/e2e/dashboard``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from orchestra_devstack.signin.proxying import SignInProxy
from orchestra_devstack.signin.sessions import COOKIE

Client = aiohttp.ClientSession
RELEASE = web.AppKey("release", asyncio.Event)


async def echo(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "path": str(request.rel_url),
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "body": (await request.read()).decode(),
        },
        headers={"X-Trace-Id": "abc123"},
    )


async def events(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await response.write(b"id: 1\nevent: status\ndata: {}\n\n")
    release: asyncio.Event = request.app[RELEASE]
    await release.wait()  # the first event must arrive before the stream goes on
    await response.write(b"id: 2\nevent: status\ndata: {}\n\n")
    return response


@pytest_asyncio.fixture
async def upstream() -> AsyncIterator[TestServer]:
    app = web.Application()
    app[RELEASE] = asyncio.Event()
    app.router.add_get("/api/v1/events", events)
    app.router.add_route("*", "/{tail:.*}", echo)
    server = TestServer(app, host="127.0.0.1")
    async with server:
        yield server


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Dashboard</title>")
    (tmp_path / "assets" / "app-1234.js").write_text("console.log('hi')")
    (tmp_path.parent / "secret.txt").write_text("not for browsers")
    return tmp_path


@pytest_asyncio.fixture
async def proxy(upstream: TestServer, dist: Path) -> AsyncIterator[str]:
    front = SignInProxy(api_url=str(upstream.make_url("")).rstrip("/"), dashboard_dir=dist)
    async with TestServer(front.app(), host="127.0.0.1") as server:
        yield str(server.make_url("")).rstrip("/")


async def signed_in(base: str, email: str, *, admin: bool = False) -> Client:
    # Browsers keep cookies of 127.0.0.1; aiohttp's jar does so only when told.
    client = aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True))
    form = {"email": email, "rd": "/sessions"} | ({"admin": "on"} if admin else {})
    async with client.post("/oauth2/sign_in", data=form, allow_redirects=False) as response:
        assert response.status == 303
        assert response.headers["Location"] == "/sessions"
    return client


async def test_without_signing_in_the_api_hears_no_identity_even_a_forged_one(
    proxy: str,
) -> None:
    async with aiohttp.ClientSession(proxy) as client:
        headers = {"X-Auth-Request-Email": "boss@example.org", "X-Auth-Request-Groups": "admins"}
        async with client.get("/api/v1/me", headers=headers) as response:
            seen = (await response.json())["headers"]
    assert not [name for name in seen if name.startswith("x-auth-request-")]


async def test_a_signed_in_learner_is_named_to_the_api_and_nothing_forged_passes(
    proxy: str,
) -> None:
    client = await signed_in(proxy, "Ada@Example.org")
    async with client:
        forged = {"X-Auth-Request-Groups": "orchestra-admins", "Idempotency-Key": "k1"}
        async with client.post("/api/v1/instances?x=1", json={"a": 1}, headers=forged) as answer:
            seen = await answer.json()
            assert answer.headers["X-Trace-Id"] == "abc123"
    assert seen["path"] == "/api/v1/instances?x=1"
    assert seen["headers"]["x-auth-request-email"] == "ada@example.org"
    assert "x-auth-request-groups" not in seen["headers"]
    assert "cookie" not in seen["headers"]
    assert seen["headers"]["idempotency-key"] == "k1"
    assert seen["body"] == '{"a": 1}'


async def test_an_admin_signed_in_carries_the_admin_group(proxy: str) -> None:
    client = await signed_in(proxy, "root@example.org", admin=True)
    async with client, client.get("/api/v1/admin/stats") as response:
        seen = (await response.json())["headers"]
    assert seen["x-auth-request-groups"] == "orchestra-admins"


async def test_signing_out_forgets_the_identity(proxy: str) -> None:
    client = await signed_in(proxy, "ada@example.org")
    async with client:
        async with client.get("/oauth2/sign_out", allow_redirects=False) as response:
            assert response.status == 303
        async with client.get("/api/v1/me") as response:
            seen = (await response.json())["headers"]
    assert "x-auth-request-email" not in seen


async def test_a_bad_email_is_refused_in_words(proxy: str) -> None:
    async with (
        aiohttp.ClientSession(proxy) as client,
        client.post("/oauth2/sign_in", data={"email": "not an email"}) as response,
    ):
        assert response.status == 400
        assert "is not an email address" in await response.text()
        assert COOKIE not in response.cookies


async def test_the_event_stream_flows_through_event_by_event(
    proxy: str, upstream: TestServer
) -> None:
    async with (
        aiohttp.ClientSession(proxy) as client,
        client.get("/api/v1/events") as response,
    ):
        assert response.headers["Content-Type"].startswith("text/event-stream")
        first = await asyncio.wait_for(response.content.readuntil(b"\n\n"), timeout=30)
        assert first.startswith(b"id: 1")
        upstream.app[RELEASE].set()
        second = await asyncio.wait_for(response.content.readuntil(b"\n\n"), timeout=30)
        assert second.startswith(b"id: 2")


@pytest.mark.parametrize("path", ["/", "/sessions/alpha-0901-x7k2p", "/admin/stats"])
async def test_every_dashboard_route_is_its_index_page(proxy: str, path: str) -> None:
    async with aiohttp.ClientSession(proxy) as client, client.get(path) as response:
        assert response.status == 200
        assert "<title>Dashboard</title>" in await response.text()
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]


async def test_assets_are_served_and_nothing_outside_the_dashboard(proxy: str) -> None:
    async with aiohttp.ClientSession(proxy) as client:
        async with client.get("/assets/app-1234.js") as response:
            assert response.status == 200
            assert "immutable" in response.headers["Cache-Control"]
        async with client.get("/assets/missing.js") as response:
            assert response.status == 404
        async with client.get("/%2e%2e/secret.txt") as response:
            assert "not for browsers" not in await response.text()


async def test_the_sign_in_page_says_it_is_for_development_only(proxy: str) -> None:
    async with (
        aiohttp.ClientSession(proxy) as client,
        client.get("/oauth2/start", params={"rd": "//evil.example.org"}) as response,
    ):
        page = await response.text()
    assert "Local dev stack only" in page
    assert 'name="rd" value="/"' in page


async def test_an_api_that_is_down_is_a_problem_not_a_traceback(dist: Path) -> None:
    front = SignInProxy(api_url="http://127.0.0.1:9", dashboard_dir=dist)
    async with (
        TestServer(front.app(), host="127.0.0.1") as server,
        aiohttp.ClientSession(str(server.make_url(""))) as client,
        client.get("/api/v1/me") as response,
    ):
        assert response.status == 502
        assert response.headers["Content-Type"] == "application/problem+json"
        assert "cannot be reached" in (await response.json())["detail"]
