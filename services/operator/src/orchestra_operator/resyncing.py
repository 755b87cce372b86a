"""The periodic resync: time-based decisions that no watch event triggers.

Reconciles are watch-driven (``handlers``): every event of a Workshop or of a
child labelled with its name reconciles that Workshop. What no event announces
is the passing of time, so every ``reconcile_interval`` the resync lists the
Workshops once (one API call, whatever their number) and decides from each
body alone (pure functions, no further calls) whether to act:

- past ``spec.expiresAt`` by more than ``deadline_grace``: delete it, the
  operator's own deadline rule, level-based, so a workshop ends even when
  expiry is down, its message was lost or a redelivery recreated it;
- Failed for longer than ``failed_retention``: delete it (no session is stuck);
- not Ready and past its startup timeout: reconcile it, which fails it.

Every ``steady_interval`` it reconciles all of them (drift a missed watch
event did not report) and sweeps learner namespaces that nothing lives in any
more (``sweeping``). At 500 Workshops the cost is one list per round plus a
full reconcile of each per steady interval (docs/src/content/docs/benchmarks/operator.md).
Only the leader runs it (``main``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from orchestra_operator import exporting, metering
from orchestra_operator.cluster import WORKSHOPS, ApiError, Cluster
from orchestra_operator.config import OperatorSettings
from orchestra_operator.reconciling import Reconciler
from orchestra_operator.reporting import record_event
from orchestra_operator.sweeping import sweep_namespaces
from orchestra_shared import labels
from orchestra_shared.retrying import raise_if_cancelled

log = logging.getLogger(__name__)
MANAGED = f"{labels.MANAGED_BY}={labels.MANAGER}"


def past_deadline(workshop: dict[str, Any], now: datetime, grace: timedelta) -> bool:
    """Whether a Workshop has outlived ``spec.expiresAt`` by more than ``grace`` (pure)."""
    expires = (workshop.get("spec") or {}).get("expiresAt")
    if not expires:
        return False
    try:
        deadline = datetime.fromisoformat(str(expires).replace("Z", "+00:00"))
    except ValueError:
        return False  # an invalid spec: the reconcile reports it as Failed, retention ends it
    if deadline.tzinfo is None:
        return False
    return now - deadline > grace


async def end_workshop(
    cluster: Cluster,
    workshop: dict[str, Any],
    *,
    event: str,
    why: str,
    reason: str,
    settings: OperatorSettings,
) -> None:
    """Delete a Workshop on the operator's own account, saying so in an Event and leaving
    the termination reason for sync on the object's last state, as a terminate does."""
    meta = workshop["metadata"]
    await record_event(cluster, workshop, event, why, settings=settings)
    marked = await cluster.patch(
        WORKSHOPS,
        meta["name"],
        {"metadata": {"annotations": {labels.TERMINATION_REASON: reason}}},
        meta["namespace"],
    )
    await cluster.delete(
        WORKSHOPS,
        meta["name"],
        meta["namespace"],
        resource_version=marked["metadata"]["resourceVersion"],
    )


def startup_overdue(workshop: dict[str, Any], now: datetime) -> bool:
    """Whether a Workshop not Ready yet has passed its startup timeout (pure)."""
    status = workshop.get("status") or {}
    if status.get("phase") in ("Ready", "Failed"):
        return False
    created = (workshop.get("metadata") or {}).get("creationTimestamp")
    timeout = (workshop.get("spec") or {}).get("startupTimeoutSeconds")
    if not created or not isinstance(timeout, int):
        return False
    started = datetime.fromisoformat(str(created).replace("Z", "+00:00"))
    return now - started >= timedelta(seconds=timeout)


def failed_and_expired(workshop: dict[str, Any], now: datetime, retention: timedelta) -> bool:
    status = workshop.get("status") or {}
    if status.get("phase") != "Failed" or not status.get("phaseChangedAt"):
        return False
    changed = datetime.fromisoformat(str(status["phaseChangedAt"]).replace("Z", "+00:00"))
    return now - changed >= retention


async def resync_once(
    cluster: Cluster,
    reconciler: Reconciler,
    settings: OperatorSettings,
    *,
    everything: bool,
    exporter: exporting.Exporter | None = None,
) -> None:
    now = datetime.now(UTC)
    # With exports on, the backstop starts one export attempt early, so that even a
    # workshop it has to save is gone by its deadline plus the grace.
    grace = settings.deadline_grace - (settings.export_timeout if exporter else 0.0)
    for workshop in await cluster.list(WORKSHOPS, labels=MANAGED):
        meta = workshop["metadata"]
        status = workshop.get("status") or {}
        try:
            if past_deadline(workshop, now, timedelta(seconds=grace)):
                log.warning(
                    "workshop past its deadline; deleting it",
                    extra={"workshop": meta["name"], "expires_at": workshop["spec"]["expiresAt"]},
                )
                metering.DEADLINES_ENFORCED.inc()
                if exporter is not None and exporting.EXPORTED not in (
                    meta.get("annotations") or {}
                ):
                    await exporting.save(
                        workshop,
                        cluster=cluster,
                        exporter=exporter,
                        trigger="deadline",
                        settings=settings,
                        attempts=1,
                    )
                await end_workshop(
                    cluster,
                    workshop,
                    event="DeadlinePassed",
                    why=(
                        f"past its deadline {workshop['spec']['expiresAt']} by more than "
                        f"{settings.deadline_grace:g}s; deleting the workshop"
                    ),
                    reason="expired",
                    settings=settings,
                )
            elif failed_and_expired(workshop, now, timedelta(seconds=settings.failed_retention)):
                # Sync reads why from the deleted object's last state, as for a terminate.
                reason = "startup-timeout" if status.get("reason") == "StartupTimeout" else "failed"
                await end_workshop(
                    cluster,
                    workshop,
                    event="CleaningUp",
                    why=f"failed {settings.failed_retention:g}s ago; deleting the workshop",
                    reason=reason,
                    settings=settings,
                )
            elif everything or startup_overdue(workshop, now):
                await reconciler.reconcile(workshop, everything=everything)
        except (ApiError, OSError) as error:
            log.warning(
                "resync of one workshop failed",
                extra={"workshop": meta["name"], "error": str(error)},
            )
    if everything:
        await sweep_namespaces(cluster, settings=settings, now=now)


async def resync_forever(
    cluster: Cluster,
    reconciler: Reconciler,
    settings: OperatorSettings,
    exporter: exporting.Exporter | None = None,
) -> None:
    last_full = 0.0
    while True:
        raise_if_cancelled()
        everything = time.monotonic() - last_full >= settings.steady_interval
        try:
            await resync_once(
                cluster, reconciler, settings, everything=everything, exporter=exporter
            )
            if everything:
                last_full = time.monotonic()
        except (ApiError, OSError) as error:
            log.warning("resync failed", extra={"error": str(error)})
        await asyncio.sleep(settings.reconcile_interval)
