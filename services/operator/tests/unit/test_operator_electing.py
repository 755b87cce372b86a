"""A leader whose Lease renewal hangs gives up leading by its deadline, not never."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from orchestra_operator.config import OperatorSettings
from orchestra_operator.electing import Leadership
from orchestra_operator.errors import LeadershipLost

Body = dict[str, Any]


class HangingCluster:
    """The Lease API as a stalled server answers it: reads and creates work, patches hang."""

    def __init__(self) -> None:
        self.never = asyncio.Event()
        self.patches = 0

    async def get(self, kind: Any, name: str, namespace: str | None = None) -> Body | None:
        return None  # no Lease yet: the first replica creates it

    async def create(self, kind: Any, body: Body) -> Body:
        return {**body, "metadata": {**body["metadata"], "resourceVersion": "1"}}

    async def patch(self, kind: Any, name: str, patch: Body, namespace: str | None = None) -> Body:
        self.patches += 1
        await self.never.wait()  # the renewal never answers
        raise AssertionError("unreachable")


async def test_a_hung_renewal_loses_the_lease_at_the_deadline(
    make_settings: Callable[..., OperatorSettings],
) -> None:
    settings = make_settings(lease_duration=3, lease_renew_interval=0.05, lease_renew_deadline=0.5)
    cluster = HangingCluster()
    leadership = Leadership(cluster, settings)  # type: ignore[arg-type]
    assert await leadership.acquire(asyncio.Event())
    with pytest.raises(LeadershipLost):
        # Well past the deadline, but bounded: a keep() that waits on the hung call fails here.
        await asyncio.wait_for(leadership.keep(), timeout=60)
    assert cluster.patches >= 1
    assert not leadership.leading
