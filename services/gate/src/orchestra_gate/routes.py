"""The gate's one route: every request to a workshop host, decided then carried out.

``authorizing.decide`` says what to do; this module does it: redeem a ticket in
Postgres (single use), set the host-only session cookie, redirect, refuse, or
hand the request to ``proxying``. Anyone but the owner (an instructor helping) is
let in only while ``consenting`` says the learner still allows it, on redemption
and on every later request. Refusals are short pages (a browser shows them),
never the application's content.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
import asyncpg
from aiohttp import web

from orchestra_gate.activities import REQUESTS, Activity, Tally, counts_as_work
from orchestra_gate.authorizing import (
    Keys,
    Proxy,
    Redeem,
    Redirect,
    Refuse,
    after_redemption,
    decide,
)
from orchestra_gate.config import GateSettings
from orchestra_gate.consenting import Consents
from orchestra_gate.proxying import is_websocket, proxy_http, proxy_websocket
from orchestra_gate.redeeming import redeem
from orchestra_shared.passes import NEXT_PARAMETER, TICKET_PARAMETER, Pass

# The ticket is in the URL of the open path: it must not leak to another site by Referer.
_NO_REFERRER = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@dataclass
class Gate:
    settings: GateSettings
    pool: asyncpg.Pool
    client: aiohttp.ClientSession
    activity: Activity
    tally: Tally = field(default_factory=lambda: Tally(floor=1))
    """What idle culling hears of (``reporting`` publishes it); the gauge is ``activity``."""

    def __post_init__(self) -> None:
        self._ignored = tuple(re.compile(p) for p in self.settings.activity_ignored_paths)
        self.consents = Consents(self.pool, recheck=self.settings.help_recheck_seconds)

    @property
    def keys(self) -> Keys:
        s = self.settings
        return Keys(
            base_domain=s.base_domain,
            ticket_secret=s.ticket_secret.get_secret_value(),
            session_secret=s.session_secret.get_secret_value(),
            open_url=s.open_url,
            session_seconds=s.session_seconds,
        )

    async def handle(self, request: web.Request) -> web.StreamResponse:
        keys, now = self.keys, time.time()
        decision = decide(
            host=request.host,
            path=request.path,
            path_qs=request.path_qs,
            ticket=request.query.get(TICKET_PARAMETER),
            next_raw=request.query.get(NEXT_PARAMETER),
            session=request.cookies.get(self.settings.cookie_name),
            keys=keys,
            now=now,
        )
        if isinstance(decision, Redeem | Proxy):
            admitted = decision.ticket if isinstance(decision, Redeem) else decision.admitted
            refusal = await self._still_allowed(admitted)
            if refusal is not None:
                REQUESTS.labels("refused").inc()
                response = _refusal(refusal)
                if isinstance(decision, Proxy):  # coming back takes a new (recorded) ticket
                    response.del_cookie(self.settings.cookie_name, path="/")
                return response
        if isinstance(decision, Redeem):
            if not await redeem(self.pool, decision.ticket, now=datetime.now(UTC)):
                REQUESTS.labels("replayed").inc()
                return _refusal(Refuse(403, "ticket refused: it was used already"))
            REQUESTS.labels("redeemed").inc()
            decision = after_redemption(decision.ticket, decision.next_path, keys, now=now)
        if isinstance(decision, Refuse):
            REQUESTS.labels("refused").inc()
            return _refusal(decision)
        if isinstance(decision, Redirect):
            if decision.cookie is None:
                REQUESTS.labels("redirected").inc()
            return self._redirect(decision)
        return await self._proxy(request, decision)

    async def _still_allowed(self, admitted: Pass) -> Refuse | None:
        """None for the owner, and for an instructor while the learner lets them in."""
        if admitted.role == "owner":
            return None
        try:
            allowed = await self.consents.allowed(admitted.instance)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return Refuse(503, "the learner's consent cannot be checked just now; try again")
        if allowed:
            return None
        return Refuse(403, "the learner no longer lets instructors into this workshop")

    def _redirect(self, decision: Redirect) -> web.StreamResponse:
        response = web.Response(status=303, headers={"Location": decision.location, **_NO_REFERRER})
        if decision.cookie is not None:
            # No Domain attribute: the browser returns it to this very host only.
            response.set_cookie(
                self.settings.cookie_name,
                decision.cookie,
                max_age=self.settings.session_seconds,
                path="/",
                secure=self.settings.cookie_secure,
                httponly=True,
                samesite=self.settings.cookie_samesite,
            )
        return response

    async def _proxy(self, request: web.Request, decision: Proxy) -> web.StreamResponse:
        admitted = decision.admitted
        base = self.settings.upstream.format(
            instance=admitted.instance, namespace=admitted.namespace
        ).rstrip("/")
        self.activity.touch(admitted.instance)
        if counts_as_work(request.path, self._ignored):
            self.tally.count(admitted.instance)
        REQUESTS.labels("proxied").inc()
        if is_websocket(request):
            return await proxy_websocket(
                request,
                base.replace("http", "ws", 1) + request.path_qs,
                client=self.client,
                cookie_name=self.settings.cookie_name,
                on_message=lambda counted: self._on_message(admitted.instance, counted),
                until_refused=None
                if admitted.role == "owner"
                else lambda: self.consents.until_withdrawn(admitted.instance),
            )
        return await proxy_http(
            request,
            base + request.path_qs,
            client=self.client,
            cookie_name=self.settings.cookie_name,
        )

    def _on_message(self, instance: str, counted: bool) -> None:
        self.activity.touch(instance)
        if counted:
            self.tally.count(instance)


def _refusal(refusal: Refuse) -> web.Response:
    return web.Response(
        status=refusal.status,
        text=f"Not allowed into this workshop: {refusal.reason}.\n",
        headers=_NO_REFERRER,
    )
