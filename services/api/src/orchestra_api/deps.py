"""FastAPI dependencies as ``Annotated`` aliases: the route functions' vocabulary."""

from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from orchestra_api.config import ApiSettings
from orchestra_api.identities import Identity, identify
from orchestra_shared.catalogs import Catalog


@dataclass
class AppState:
    """What ``main.py`` wires once per process and every request shares."""

    settings: ApiSettings
    catalog: Catalog
    pool: asyncpg.Pool


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.orchestra
    return state


def _identity(request: Request, state: Annotated[AppState, Depends(_state)]) -> Identity:
    settings = state.settings
    return identify(
        {key.lower(): value for key, value in request.headers.items()},
        request.client.host if request.client else None,
        trusted_proxies=settings.trusted_proxies,
        admin_group=settings.admin_group,
        admin_emails=settings.admin_emails,
    )


StateDep = Annotated[AppState, Depends(_state)]
CurrentUser = Annotated[Identity, Depends(_identity)]
