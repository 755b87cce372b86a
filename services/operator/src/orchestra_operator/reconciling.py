"""Level-based reconciliation of one Workshop: make its children exist, then report its phase.

Called for every watch event of a Workshop or of one of its children, and by
the periodic resync. Each call compares what exists with what the pure
builders say should exist, creates what is missing, restores what drifted,
reads the Deployment and Pods, and writes the assessed phase to the
Workshop's status only when it changed (so status writes do not loop).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from orchestra_operator import assessing, manifests, metering, tracing
from orchestra_operator.cluster import DEPLOYMENTS, KIND_BY_NAME, PODS, WORKSHOPS, ApiError, Cluster
from orchestra_operator.config import OperatorSettings
from orchestra_operator.reporting import record_event
from orchestra_shared import labels
from orchestra_shared.workshops import TRANSITIONS_KEPT, WorkshopSpec

Body = dict[str, Any]
log = logging.getLogger(__name__)


def drifted(desired: Body, actual: Body) -> Body | None:
    """The merge patch that restores what we own of ``actual``, or None when nothing drifted.

    Only the fields we set are compared: spec and our labels. Fields the API
    server or other controllers add (status, defaults) are left alone.
    """
    patch: Body = {}
    if "spec" in desired and not _contains(actual.get("spec") or {}, desired["spec"]):
        patch["spec"] = desired["spec"]
    wanted_labels = desired.get("metadata", {}).get("labels") or {}
    have_labels = actual.get("metadata", {}).get("labels") or {}
    if any(have_labels.get(k) != v for k, v in wanted_labels.items()):
        patch["metadata"] = {"labels": wanted_labels}
    return patch or None


def _contains(actual: Any, desired: Any) -> bool:
    if actual is None and desired in ([], {}):
        return True  # the API server omits empty lists and maps (omitempty): not drift
    if isinstance(desired, dict):
        return isinstance(actual, dict) and all(
            _contains(actual.get(key), value) for key, value in desired.items()
        )
    if isinstance(desired, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(desired)
            and all(_contains(a, d) for a, d in zip(actual, desired, strict=True))
        )
    return bool(actual == desired)


async def ensure(cluster: Cluster, desired: Body) -> tuple[Body, str]:
    """Create or repair one object; returns it and what was done (kept/created/repaired)."""
    kind = KIND_BY_NAME[desired["kind"]]
    metadata = desired["metadata"]
    actual = await cluster.get(kind, metadata["name"], metadata.get("namespace"))
    if actual is None:
        try:
            return await cluster.create(kind, desired), "created"
        except ApiError as error:
            if error.status != 409:
                raise
            actual = await cluster.get(kind, metadata["name"], metadata.get("namespace"))
            if actual is None:
                raise
    patch = drifted(desired, actual)
    if patch is None:
        return actual, "kept"
    return await cluster.patch(kind, metadata["name"], patch, metadata.get("namespace")), "repaired"


def invalid_spec_status(error: ValidationError, now: datetime) -> Body:
    """A Workshop written by hand (or by a newer operator) that this one cannot run."""
    problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:5])
    return {
        "phase": "Failed",
        "reason": "InvalidSpec",
        "message": f"the Workshop's spec is invalid: {problems}",
        "phaseChangedAt": now.isoformat().replace("+00:00", "Z"),
    }


def appended_transition(status: Body, assessment: assessing.Assessment, stamp: str) -> list[Body]:
    """The status's transition log with this phase change added, the oldest dropped (pure)."""
    entry: Body = {
        "phase": assessment.phase,
        "reason": assessment.reason,
        "message": assessment.message,
        "time": stamp,
    }
    kept = list(status.get("transitions") or [])
    return [*kept, entry][-TRANSITIONS_KEPT:]


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_time(value: str | None, default: datetime) -> datetime:
    if not value:
        return default
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class Reconciler:
    """Serialises reconciliation per Workshop; many Workshops proceed in parallel."""

    def __init__(self, cluster: Cluster, settings: OperatorSettings) -> None:
        self.cluster = cluster
        self.settings = settings
        self._locks: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)
        self._waiting: set[tuple[str, str]] = set()

    async def reconcile_named(self, namespace: str, name: str) -> None:
        """Reconcile a Workshop from its current state, read fresh.

        Requests coalesce: while one reconcile of a Workshop waits for the one in
        progress, further requests for it return at once, since the waiting one
        reads the Workshop after whatever they were about. A launch raises a
        dozen watch events (the Workshop, each child created, the Deployment
        and Pods becoming ready); without this each would queue a full reconcile.
        """
        key = (namespace, name)
        if key in self._waiting:
            metering.RECONCILES_COALESCED.inc()
            return
        self._waiting.add(key)
        try:
            lock = self._locks[key]
            await lock.acquire()
        finally:
            self._waiting.discard(key)
        try:
            workshop = await self.cluster.get(WORKSHOPS, name, namespace)
            if workshop is not None:
                await self._reconcile(workshop)
        finally:
            lock.release()
            if not lock.locked() and key not in self._waiting:
                self._locks.pop(key, None)

    async def reconcile(self, workshop: Body) -> None:
        meta = workshop["metadata"]
        await self.reconcile_named(meta["namespace"], meta["name"])

    async def _reconcile(self, workshop: Body) -> None:
        if workshop["metadata"].get("deletionTimestamp"):
            return
        context = tracing.launch_context(workshop)
        with metering.RECONCILE_SECONDS.time():
            if context is None:
                await self._reconcile_now(workshop)
                return
            with tracing.tracer().start_as_current_span(
                "reconcile Workshop",
                context=context,
                attributes=tracing.workshop_attributes(workshop),
            ):
                await self._reconcile_now(workshop)

    async def _reconcile_now(self, workshop: Body) -> None:
        meta = workshop["metadata"]
        name, namespace = meta["name"], meta["namespace"]
        status = workshop.get("status") or {}
        now = datetime.now(UTC)
        try:
            spec = WorkshopSpec.model_validate(workshop.get("spec") or {})
        except ValidationError as error:
            if status.get("phase") != "Failed":
                await self.cluster.patch(
                    WORKSHOPS,
                    name,
                    {"status": invalid_spec_status(error, now)},
                    namespace,
                    status=True,
                )
            return
        current = status.get("phase")
        if spec.tier not in self.settings.tiers and current != "Failed":
            await self._write_status(
                workshop,
                assessing.Assessment(
                    "Failed", "UnknownTier", f"tier {spec.tier!r} has no placement here"
                ),
                spec,
                now,
            )
            return

        if current != "Failed":
            await self._ensure_children(workshop, spec, current)
        deployment = await self.cluster.get(DEPLOYMENTS, name, namespace)
        pods = await self.cluster.list(PODS, namespace, labels=f"{labels.WORKSHOP}={name}")
        assessment = assessing.assess(
            current=current,
            deployment=deployment,
            pods=pods,
            created_at=_parse_time(meta.get("creationTimestamp"), now),
            startup_timeout=timedelta(seconds=spec.startup_timeout_seconds),
            now=now,
            current_reason=status.get("reason"),
        )
        if assessment.phase == "Failed" and current != "Failed" and deployment is not None:
            # Free the node at once; the Workshop stays to tell the learner why.
            await self.cluster.delete(DEPLOYMENTS, name, namespace)
        await self._write_status(workshop, assessment, spec, now)

    async def _ensure_children(
        self, workshop: Body, spec: WorkshopSpec, current: str | None
    ) -> None:
        """Create what is missing, restore what drifted; an Event for each, so the story shows."""
        meta = workshop["metadata"]
        children = manifests.children(
            meta["name"], meta["namespace"], meta["uid"], spec, self.settings
        )
        for child in children:
            _, action = await ensure(self.cluster, child)
            if action == "kept":
                continue
            what = f"{child['kind']} {child['metadata']['name']}"
            if action == "repaired" or current == "Ready":
                reason, message = "Repaired", f"{what} {action} after drift"
            else:
                reason, message = "Created", f"{what} created"
            await record_event(self.cluster, workshop, reason, message, settings=self.settings)

    async def _write_status(
        self, workshop: Body, assessment: assessing.Assessment, spec: WorkshopSpec, now: datetime
    ) -> None:
        meta = workshop["metadata"]
        status = workshop.get("status") or {}
        url = manifests.url(meta["name"], self.settings)
        unchanged = (
            status.get("phase") == assessment.phase
            and status.get("reason") == assessment.reason
            and status.get("url") == url
            and status.get("expiresAt") == _stamp(spec.expires_at)
        )
        if unchanged:
            return
        stamp = _stamp(now)
        patch: Body = {
            "phase": assessment.phase,
            "reason": assessment.reason,
            "message": assessment.message,
            "url": url,
            "observedGeneration": meta.get("generation"),
            "expiresAt": _stamp(spec.expires_at),
        }
        if status.get("phase") != assessment.phase:
            patch["phaseChangedAt"] = stamp
            patch["conditions"] = [
                {
                    "type": "Ready",
                    "status": "True" if assessment.phase == "Ready" else "False",
                    "reason": assessment.reason or assessment.phase,
                    "message": assessment.message or "",
                    "lastTransitionTime": stamp,
                }
            ]
            if assessment.phase == "Ready":
                patch["readyAt"] = stamp
            # A short log of phase changes lets sync replay what it missed while down.
            patch["transitions"] = appended_transition(status, assessment, stamp)
        await self.cluster.patch(
            WORKSHOPS, meta["name"], {"status": patch}, meta["namespace"], status=True
        )
        if status.get("phase") != assessment.phase or status.get("reason") != assessment.reason:
            metering.PHASES.labels(assessment.phase, assessment.reason or "").inc()
            await record_event(
                self.cluster,
                workshop,
                assessment.phase,
                assessment.message or f"workshop is {assessment.phase}",
                settings=self.settings,
                warning=assessment.phase == "Failed",
            )
        log.info(
            "workshop phase",
            extra={
                "workshop": meta["name"],
                "phase": assessment.phase,
                "reason": assessment.reason,
            },
        )
