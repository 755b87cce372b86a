"""FastAPI dependencies as ``Annotated`` aliases: the route functions' vocabulary.

Every dependency is ``async`` even when it awaits nothing: FastAPI runs a plain
function in a worker thread, a hand-over that cost more than the launch's own
Python (about 0.1 ms a request, measured with bench/api_launch.py).
"""

from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import Depends, Query, Request

from orchestra_api.config import ApiSettings
from orchestra_api.identities import Identity, bearer_token, identify, token_required
from orchestra_api.metering import Metrics
from orchestra_api.pooling import Keeper
from orchestra_api.problems import Forbidden, Unauthenticated
from orchestra_api.queueing import Admitter
from orchestra_api.streaming import Hub
from orchestra_api.verifying import TokenVerifier
from orchestra_shared.archiving import ArchiveStore
from orchestra_shared.catalogs import Catalog


@dataclass
class AppState:
    """What ``main.py`` wires once per process and every request shares."""

    settings: ApiSettings
    catalog: Catalog
    pool: asyncpg.Pool
    hub: Hub
    metrics: Metrics
    verifier: TokenVerifier | None
    admitter: Admitter
    keeper: Keeper
    archives: ArchiveStore | None = None


async def _state(request: Request) -> AppState:
    state: AppState = request.app.state.orchestra
    return state


async def _identity(request: Request, state: Annotated[AppState, Depends(_state)]) -> Identity:
    """A verified token's identity first; headers only where the settings chose them."""
    headers = {key.lower(): value for key, value in request.headers.items()}
    token = bearer_token(headers)
    if token:
        if state.verifier is None:
            raise Unauthenticated("bearer tokens are not accepted here; sign in through the login")
        return await state.verifier.identity(token)
    settings = state.settings
    if settings.identity == "token":
        raise token_required(headers)
    return identify(
        headers,
        request.client.host if request.client else None,
        trusted_proxies=settings.trusted_proxies,
        admin_group=settings.admin_group,
        admin_emails=settings.admin_emails,
    )


async def _admin(user: Annotated[Identity, Depends(_identity)]) -> Identity:
    if not user.is_admin:
        raise Forbidden("this needs an admin")
    return user


async def _limit(
    state: Annotated[AppState, Depends(_state)],
    limit: Annotated[int | None, Query(ge=1, le=1000, description="Items per page.")] = None,
) -> int:
    settings = state.settings
    return min(limit or settings.page_size, settings.max_page_size)


StateDep = Annotated[AppState, Depends(_state)]
CurrentUser = Annotated[Identity, Depends(_identity)]
AdminUser = Annotated[Identity, Depends(_admin)]
PageLimit = Annotated[int, Depends(_limit)]
Cursor = Annotated[
    str | None, Query(max_length=500, description="The `next` of the previous page.")
]
