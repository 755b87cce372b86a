"""The dev stack's front door: sign-in, the dashboard's files, and the api behind one origin.

In production oauth2-proxy authenticates the learner and forwards identity
headers to the api; a web server serves the dashboard's static files. The dev
stack has neither, so this small aiohttp server plays both parts on loopback:

- ``/oauth2/start?rd=…`` shows the development sign-in page (pick an email,
  optionally admin), ``/oauth2/sign_in`` sets a signed cookie, ``/oauth2/sign_out``
  clears it: the same paths as oauth2-proxy, so the dashboard knows no difference;
- ``/api/…`` and ``/openapi.json`` are forwarded to the api with
  ``X-Auth-Request-Email`` (and the admin group) taken from the cookie; identity
  headers sent by the browser are dropped, never forwarded; responses stream, so
  the live event stream works through it;
- everything else is the built dashboard (``frontend/dist``), with ``index.html``
  for any path that is not a file, as single-page apps need.

It binds to loopback only, and the api trusts identity headers only from
loopback in the dev stack; nothing of this ships in an image or the chart.
Started by ``stacks.start_stack`` as ``python -m orchestra_devstack.signin``.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import mimetypes
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

from orchestra_devstack.signin.pages import not_built_page, sign_in_page
from orchestra_devstack.signin.sessions import (
    COOKIE,
    BadEmail,
    DevIdentity,
    checked_email,
    safe_return_path,
    sign,
    verify,
)

log = logging.getLogger(__name__)

FORWARDED_PREFIXES = ("/api/", "/openapi.json", "/docs", "/redoc")
# Hop-by-hop headers (RFC 9110 7.6.1) and what aiohttp recomputes itself.
NOT_FORWARDED = frozenset(
    {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade", "host", "content-length",
    }
)  # fmt: skip
IDENTITY_PREFIX = "x-auth-request-"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class NotLoopbackError(ValueError):
    """The sign-in proxy would be reachable from elsewhere: refused."""


def require_loopback(host: str) -> None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    loopback = host == "localhost" if address is None else address.is_loopback
    if not loopback:
        raise NotLoopbackError(
            f"the development sign-in lets anyone be anyone; it listens on loopback only, "
            f"not on {host!r}"
        )


@dataclass
class SignInProxy:
    api_url: str
    dashboard_dir: Path
    admin_group: str = "orchestra-admins"
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _session: aiohttp.ClientSession | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/oauth2/start", self.start)
        app.router.add_get("/oauth2/sign_in", self.start)
        app.router.add_post("/oauth2/sign_in", self.sign_in)
        app.router.add_get("/oauth2/sign_out", self.sign_out)
        app.router.add_get("/oauth2/healthz", self.healthz)
        app.router.add_route("*", "/{tail:.*}", self.route)
        app.on_startup.append(self._open)
        app.on_cleanup.append(self._close)
        return app

    async def _open(self, _: web.Application) -> None:
        # No total timeout: the event stream never ends. Connecting is bounded.
        timeout = aiohttp.ClientTimeout(total=None, connect=10, sock_connect=10)
        self._session = aiohttp.ClientSession(timeout=timeout, auto_decompress=False)

    async def _close(self, _: web.Application) -> None:
        if self._session is not None:
            await self._session.close()

    async def healthz(self, _: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def start(self, request: web.Request) -> web.Response:
        rd = safe_return_path(request.query.get("rd"))
        return _html(sign_in_page(rd))

    async def sign_in(self, request: web.Request) -> web.Response:
        form = await request.post()
        rd = safe_return_path(str(form.get("rd", "/")))
        try:
            email = checked_email(str(form.get("email", "")))
        except BadEmail as error:
            return _html(sign_in_page(rd, error=str(error), email=str(form.get("email", ""))), 400)
        identity = DevIdentity(email=email, admin=form.get("admin") == "on")
        response = web.Response(status=303, headers={"Location": rd})
        response.set_cookie(COOKIE, sign(identity, self.secret), httponly=True, samesite="Lax")
        log.info("signed in", extra={"email": email, "admin": identity.admin})
        return response

    async def sign_out(self, _: web.Request) -> web.Response:
        response = web.Response(status=303, headers={"Location": "/oauth2/start"})
        response.del_cookie(COOKIE)
        return response

    async def route(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith(FORWARDED_PREFIXES):
            return await self.forward(request)
        return self.dashboard(request)

    def identity_headers(self, request: web.Request) -> dict[str, str]:
        identity = verify(request.cookies.get(COOKIE), self.secret)
        if identity is None:
            return {}
        headers = {"X-Auth-Request-Email": identity.email}
        if identity.admin:
            headers["X-Auth-Request-Groups"] = self.admin_group
        return headers

    async def forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        headers = {
            key: value
            for key, value in request.headers.items()
            if key.lower() not in NOT_FORWARDED
            and not key.lower().startswith(IDENTITY_PREFIX)
            and key.lower() != "cookie"
        }
        headers.update(self.identity_headers(request))
        body = await request.read() if request.can_read_body else None
        try:
            upstream = await self._session.request(
                request.method,
                self.api_url + str(request.rel_url),
                headers=headers,
                data=body,
                allow_redirects=False,
            )
        except (aiohttp.ClientError, OSError) as error:
            log.warning("api unreachable", extra={"error": repr(error)})
            problem = {
                "type": "https://orchestra.io/problems/unavailable",
                "title": "Temporarily unavailable",
                "status": 502,
                "detail": "the api cannot be reached right now; try again in a moment",
                "instance": request.path,
            }
            return web.Response(
                body=json.dumps(problem).encode(),
                status=502,
                headers={"Content-Type": "application/problem+json"},
            )
        async with upstream:
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            for key, value in upstream.headers.items():
                if key.lower() not in NOT_FORWARDED:
                    response.headers.add(key, value)
            await response.prepare(request)
            try:
                async for chunk in upstream.content.iter_any():
                    await response.write(chunk)
            except (aiohttp.ClientError, ConnectionResetError):
                log.info("stream ended early", extra={"path": request.path})
            return response

    def dashboard(self, request: web.Request) -> web.StreamResponse:
        root = self.dashboard_dir.resolve()
        index = root / "index.html"
        if not index.is_file():
            return _html(not_built_page(str(root)), 503)
        wanted = (root / request.path.lstrip("/")).resolve()
        if wanted.is_file() and wanted.is_relative_to(root):
            response = web.FileResponse(wanted)
            # Vite names assets by content hash: cache them; never cache index.html.
            cached = wanted.parent.name == "assets"
            response.headers["Cache-Control"] = (
                "public, max-age=31536000, immutable" if cached else "no-cache"
            )
        elif request.path.startswith("/assets/") or mimetypes.guess_type(request.path)[0]:
            raise web.HTTPNotFound(text="no such file")
        else:
            response = web.FileResponse(index)
            response.headers["Cache-Control"] = "no-cache"
        response.headers.update(SECURITY_HEADERS)
        return response


def _html(text: str, status: int = 200) -> web.Response:
    response = web.Response(text=text, status=status, content_type="text/html")
    response.headers.update(SECURITY_HEADERS)
    response.headers["Cache-Control"] = "no-store"
    return response
