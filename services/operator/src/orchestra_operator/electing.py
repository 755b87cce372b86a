"""Leader election on a Lease: only the replica holding it acts (see docs/src/content/docs/decisions/0010).

``main`` calls ``Leadership.acquire`` before it starts Kopf, the command
consumer and the resync, runs ``keep`` beside them, and calls ``release`` on a
clean stop. ``keep`` renews the Lease every ``lease_renew_interval``; if it
cannot for ``lease_renew_deadline`` (shorter than the Lease's duration; a
renewal that hangs is cut off at that deadline), or sees another holder, it
raises ``LeadershipLost`` and the process exits, so
a replica that lost the Lease has stopped acting before another can take it.
Every write is conditional on the resourceVersion read, so two replicas racing
for a free Lease cannot both win.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from orchestra_operator import leases
from orchestra_operator.cluster import LEASES, ApiError, Cluster
from orchestra_operator.config import OperatorSettings
from orchestra_operator.errors import LeadershipLost
from orchestra_shared.retrying import raise_if_cancelled

log = logging.getLogger(__name__)
TRANSIENT = (ApiError, OSError, asyncio.TimeoutError)


class Leadership:
    def __init__(self, cluster: Cluster, settings: OperatorSettings) -> None:
        self.cluster = cluster
        self.settings = settings
        self.held_version: str | None = None  # resourceVersion of our last write, while leader
        self._renewed_at = 0.0
        self._seen_version: str | None = None
        self._seen_at = 0.0

    @property
    def leading(self) -> bool:
        return self.held_version is not None

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Wait until this replica holds the Lease (True) or ``stop`` is set (False)."""
        while not stop.is_set():
            try:
                if await self._try_acquire():
                    log.info("leading", extra={"identity": self.settings.identity})
                    return True
            except TRANSIENT as error:
                log.warning("could not read the leader Lease", extra={"error": str(error)})
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.lease_renew_interval)
        return False

    async def _try_acquire(self) -> bool:
        settings = self.settings
        lease = await self.cluster.get(LEASES, settings.lease_name, settings.lease_namespace)
        if lease is None:
            return await self._write(
                self.cluster.create(LEASES, leases.new_lease(settings, datetime.now(UTC)))
            )
        version = lease["metadata"]["resourceVersion"]
        if version != self._seen_version:
            self._seen_version, self._seen_at = version, time.monotonic()
        free = leases.is_free(
            lease,
            identity=settings.identity,
            unchanged_for=time.monotonic() - self._seen_at,
            default_duration=settings.lease_duration,
        )
        if not free:
            return False
        patch = leases.claim(lease, settings, datetime.now(UTC))
        return await self._write(
            self.cluster.patch(LEASES, settings.lease_name, patch, settings.lease_namespace)
        )

    async def _write(self, request: Awaitable[dict[str, Any]]) -> bool:
        try:
            written = await request
        except ApiError as error:
            if error.status == 409:
                return False  # another replica wrote it first
            raise
        self.held_version = written["metadata"]["resourceVersion"]
        self._renewed_at = time.monotonic()
        return True

    async def keep(self) -> None:
        """Renew until the Lease is lost; never returns normally."""
        settings = self.settings
        while True:
            raise_if_cancelled()
            await asyncio.sleep(settings.lease_renew_interval)
            # A renewal that hangs (a stalled API server, a half-open connection) must not
            # keep this replica leading past its deadline: it may take only what is left.
            left = settings.lease_renew_deadline - (time.monotonic() - self._renewed_at)
            try:
                await asyncio.wait_for(self._renew(), timeout=max(left, 0.01))
            except TRANSIENT as error:
                log.warning("could not renew the leader Lease", extra={"error": str(error)})
            if time.monotonic() - self._renewed_at > settings.lease_renew_deadline:
                self.held_version = None
                raise LeadershipLost(f"no renewal for {settings.lease_renew_deadline:g}s")

    async def _renew(self) -> None:
        settings = self.settings
        assert self.held_version is not None
        patch = leases.renewal(self.held_version, datetime.now(UTC))
        try:
            written = await self.cluster.patch(
                LEASES, settings.lease_name, patch, settings.lease_namespace
            )
        except ApiError as error:
            if error.status not in (404, 409):
                raise
            lease = await self.cluster.get(LEASES, settings.lease_name, settings.lease_namespace)
            if leases.holder(lease) != settings.identity or lease is None:
                self.held_version = None
                raise LeadershipLost(f"the Lease is now held by {leases.holder(lease)}") from error
            self.held_version = lease["metadata"]["resourceVersion"]
            return  # renewed on the next round, against the version just read
        self.held_version = written["metadata"]["resourceVersion"]
        self._renewed_at = time.monotonic()

    async def release(self) -> None:
        """Hand the Lease back on a clean stop; best effort (it expires anyway)."""
        if self.held_version is None:
            return
        settings = self.settings
        try:
            await self.cluster.patch(
                LEASES,
                settings.lease_name,
                leases.release(self.held_version),
                settings.lease_namespace,
            )
            log.info("leadership released", extra={"identity": settings.identity})
        except TRANSIENT as error:
            log.warning("could not release the leader Lease", extra={"error": str(error)})
        self.held_version = None
