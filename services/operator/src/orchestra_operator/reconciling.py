"""Level-based reconciliation of one Workshop: make its children right, then report its phase.

Called for watch events of a Workshop and of its children, and by the periodic resync.
Each call does only what its events can have changed, because a launch raises a dozen
of them and each request to the API server counts (docs/src/content/docs/benchmarks/burst.md):

- every child is checked (read, created if missing, restored if drifted) on the first
  reconcile of a Workshop in this process, when its spec changed, and on the resync's
  periodic full pass (``everything``); a Workshop without status yet has its children
  created without reading them first;
- a child's event checks that child only, against the body the event carries (no
  read); a deleted child is recreated;
- the Workshop's own status write, coming back as a watch event, is not reconciled;
- the phase is assessed when the Deployment, a Pod or the Workshop changed, from the
  Deployment the reconcile already holds and the Pods listed when they can matter; it
  is written only when it changed (so status writes do not loop).

What the events of one reconcile asked for coalesce (``changes.Work``) while it waits its
turn; what the reconciler remembers between events is ``memories.Memory``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from orchestra_operator import assessing, manifests, metering, tracing
from orchestra_operator.changes import CREATED, Stale, Work, changed_children, children_event
from orchestra_operator.cluster import DEPLOYMENTS, PODS, WORKSHOPS, ApiError, Cluster
from orchestra_operator.config import OperatorSettings
from orchestra_operator.ensuring import create_or_ensure, ensure, repair
from orchestra_operator.memories import ASSESSED_KINDS, Memory
from orchestra_operator.reporting import record_event
from orchestra_operator.statuses import invalid_spec_status, parse_time, status_patch
from orchestra_shared import labels
from orchestra_shared.workshops import WorkshopSpec

Body = dict[str, Any]
log = logging.getLogger(__name__)


def launched(workshop: Body, spec: WorkshopSpec) -> str:
    """What the launch did, for the first phase's Event: template and launch (pure)."""
    annotations = workshop["metadata"].get("annotations") or {}
    by = annotations.get(labels.LAUNCH_EVENT)
    return f"launched from template {spec.template}" + (f" by launch {by}" if by else "")


class Reconciler:
    """Serialises reconciliation per Workshop; many Workshops proceed in parallel."""

    def __init__(self, cluster: Cluster, settings: OperatorSettings) -> None:
        self.cluster = cluster
        self.settings = settings
        self._locks: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)
        self._pending: dict[tuple[str, str], Work] = {}
        self._memory = Memory()

    async def workshop_event(self, body: Body, *, deleted: bool = False) -> None:
        """A watch event of a Workshop."""
        meta = body["metadata"]
        key = (meta["namespace"], meta["name"])
        if deleted:
            self._memory.forget(key, meta.get("uid") or "")
            return
        if self._memory.own_write(body):
            return  # our own status write: nothing changed since we assessed
        await self._request(*key, Work(workshop=True, body=body))

    async def child_event(
        self, namespace: str, workshop: str, kind: str, body: Body, *, deleted: bool = False
    ) -> None:
        """A watch event of a child (or a Pod) labelled with its Workshop's name."""
        if self._memory.says_nothing((namespace, workshop), kind, None if deleted else body):
            return
        child = (kind, body["metadata"]["name"])
        await self._request(namespace, workshop, Work(children={child: None if deleted else body}))

    async def reconcile(self, workshop: Body, *, everything: bool = False) -> None:
        """The resync's reconcile, from the body it listed: assess, and with ``everything``
        check every child."""
        meta = workshop["metadata"]
        asked = Work(workshop=True, everything=everything, body=workshop)
        await self._request(meta["namespace"], meta["name"], asked)

    async def reconcile_named(self, namespace: str, name: str, *, everything: bool = False) -> None:
        await self._request(namespace, name, Work(workshop=True, everything=everything))

    async def _request(self, namespace: str, name: str, asked: Work) -> None:
        """Reconcile a Workshop from the latest state this process knows of it.

        Requests coalesce: while one reconcile of a Workshop waits for the one in
        progress, further requests for it add what they ask to it and return at
        once, since the waiting one starts after whatever they were about.
        """
        key = (namespace, name)
        waiting = self._pending.get(key)
        if waiting is not None:
            metering.RECONCILES_COALESCED.inc()
            waiting.workshop |= asked.workshop
            waiting.everything |= asked.everything
            waiting.children.update(asked.children)
            waiting.body = asked.body or waiting.body
            return
        self._pending[key] = asked
        try:
            lock = self._locks[key]
            await lock.acquire()
        finally:
            self._pending.pop(key, None)
        try:
            # What the reconcile before this one did may answer events that came meanwhile.
            for child in [
                c
                for c, body in asked.children.items()
                if self._memory.says_nothing(key, c[0], body)
            ]:
                del asked.children[child]
            if not (asked.workshop or asked.everything or asked.children):
                return
            # The body an event or our own last write gave, if any: the status write
            # is conditional on it, and a conflict reads the Workshop afresh. A deleted
            # child may be its Workshop's garbage collection: recreate it only if a
            # Workshop read now is still there.
            if asked.body is not None:
                self._memory.bodies[key] = asked.body
            gone = any(body is None for body in asked.children.values())
            known = None if gone else self._memory.bodies.get(key)
            try:
                await self._reconcile(known or await self._read(key), asked, read=known is None)
            except Stale:
                await self._reconcile(await self._read(key), Work(workshop=True), read=True)
        finally:
            lock.release()
            if not lock.locked() and key not in self._pending:
                self._locks.pop(key, None)

    async def _read(self, key: tuple[str, str]) -> Body | None:
        workshop = await self.cluster.get(WORKSHOPS, key[1], key[0])
        if workshop is not None:
            self._memory.bodies[key] = workshop
        return workshop

    async def _reconcile(self, workshop: Body | None, work: Work, *, read: bool) -> None:
        if workshop is None or workshop["metadata"].get("deletionTimestamp"):
            return
        context = tracing.launch_context(workshop)
        with metering.RECONCILE_SECONDS.time():
            if context is None:
                await self._reconcile_now(workshop, work, read=read)
                return
            with tracing.tracer().start_as_current_span(
                "reconcile Workshop",
                context=context,
                attributes=tracing.workshop_attributes(workshop),
            ):
                await self._reconcile_now(workshop, work, read=read)

    async def _reconcile_now(self, workshop: Body, work: Work, *, read: bool) -> None:
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
                read=read,
            )
            return

        # The story of the children, recorded at the end: in the phase's own Event when
        # this reconcile changes the phase (one request fewer), else on its own.
        story: list[tuple[str, str]] = []
        try:
            await self._converge(workshop, spec, work, story, now=now, read=read)
        finally:
            for reason, message in story:
                await record_event(self.cluster, workshop, reason, message, settings=self.settings)

    async def _converge(
        self,
        workshop: Body,
        spec: WorkshopSpec,
        work: Work,
        story: list[tuple[str, str]],
        *,
        now: datetime,
        read: bool,
    ) -> None:
        meta = workshop["metadata"]
        name, namespace = meta["name"], meta["namespace"]
        status = workshop.get("status") or {}
        current = status.get("phase")
        seen: dict[str, tuple[Body, str]] = {}
        full = False
        if current != "Failed":
            seen, full = await self._ensure_children(workshop, spec, current, work, story)
        events = {kind for kind, _ in work.children}
        if not (work.workshop or full or ASSESSED_KINDS & events):
            return  # only children other than the Deployment changed: the phase cannot have
        deployment: Body | None = None
        pods: list[Body] = []
        if current != "Failed":  # a failure is final: nothing below can change it
            deployment, fresh = await self._deployment(name, namespace, seen, work)
            if not fresh and not assessing.deployment_available(deployment):
                pods = await self.cluster.list(PODS, namespace, labels=f"{labels.WORKSHOP}={name}")
        assessment = assessing.assess(
            current=current,
            deployment=deployment,
            pods=pods,
            created_at=parse_time(meta.get("creationTimestamp"), now),
            startup_timeout=timedelta(seconds=spec.startup_timeout_seconds),
            now=now,
            current_reason=status.get("reason"),
        )
        if assessment.phase == "Failed" and current != "Failed" and not read:
            raise Stale  # a failure is final: decide it on the Workshop as it is now
        if assessment.phase == "Failed" and current != "Failed" and deployment is not None:
            # Free the node at once; the Workshop stays to tell the learner why.
            await self.cluster.delete(DEPLOYMENTS, name, namespace)
        await self._write_status(workshop, assessment, spec, now, read=read, story=story)
        self._memory.assessed((namespace, name), assessment)

    async def _deployment(
        self, name: str, namespace: str, seen: dict[str, tuple[Body, str]], work: Work
    ) -> tuple[Body | None, bool]:
        """The Deployment as this reconcile knows it, read only if it does not; and whether
        it was created just now (then it has no Pods yet, and their events will come)."""
        if "Deployment" in seen:
            body, action = seen["Deployment"]
            return body, action == "created"
        key = ("Deployment", name)
        if work.children.get(key) is not None:
            return work.children[key], False
        return await self.cluster.get(DEPLOYMENTS, name, namespace), False

    async def _ensure_children(
        self,
        workshop: Body,
        spec: WorkshopSpec,
        current: str | None,
        work: Work,
        story: list[tuple[str, str]],
    ) -> tuple[dict[str, tuple[Body, str]], bool]:
        """Create what is missing, restore what drifted; one Event for all of it (added to
        ``story``), so the story shows. Returns each child looked at, by kind, with what
        was done, and whether every child was."""
        meta = workshop["metadata"]
        uid = meta["uid"]
        desired = manifests.children(meta["name"], meta["namespace"], uid, spec, self.settings)
        full = work.everything or self._memory.needs_full_check(workshop)
        fresh = full and not workshop.get("status")
        seen: dict[str, tuple[Body, str]] = {}
        done: list[tuple[str, str]] = []
        try:
            for child, body, gone in changed_children(desired, work, full=full):
                if body is not None:
                    result = await repair(self.cluster, child, body)
                elif fresh and not gone:
                    result = await create_or_ensure(self.cluster, child)
                else:
                    result = await ensure(self.cluster, child)
                seen[child["kind"]] = result
                if result[1] != "kept":
                    done.append((f"{child['kind']} {child['metadata']['name']}", result[1]))
            self._memory.looked_at(
                (meta["namespace"], meta["name"]), {kind: body for kind, (body, _) in seen.items()}
            )
            if full:
                self._memory.checked_all((meta["namespace"], meta["name"]), workshop, desired)
        finally:
            told = children_event(done, current)
            if told is not None:
                story.append(told)
        return seen, full

    async def _write_status(
        self,
        workshop: Body,
        assessment: assessing.Assessment,
        spec: WorkshopSpec,
        now: datetime,
        *,
        read: bool,
        story: list[tuple[str, str]] | None = None,
    ) -> None:
        """Write the status if it changed; conditionally when the body was not read just now.

        A new phase's Event also tells what ``story`` holds of children created (and takes
        it out of it), and the first phase's tells the launch, so a launch's first reconcile
        records one Event, where it used to record two and its launch a third."""
        meta = workshop["metadata"]
        status = workshop.get("status") or {}
        url = manifests.url(meta["name"], self.settings)
        patch = status_patch(workshop, assessment, url=url, expires_at=spec.expires_at, now=now)
        if patch is None:
            return
        guard = {"resourceVersion": meta["resourceVersion"]}
        try:
            written = await self.cluster.patch(
                WORKSHOPS,
                meta["name"],
                {"status": patch} if read else {"metadata": guard, "status": patch},
                meta["namespace"],
                status=True,
            )
        except ApiError as error:
            if error.status == 409 and not read:
                raise Stale from error
            raise
        self._memory.bodies[meta["namespace"], meta["name"]] = written
        version = (written.get("metadata") or {}).get("resourceVersion")
        if version and meta.get("uid"):
            self._memory.written[meta["uid"]] = version
        if status.get("phase") != assessment.phase or status.get("reason") != assessment.reason:
            metering.PHASES.labels(assessment.phase, assessment.reason or "").inc()
            message = assessment.message or f"workshop is {assessment.phase}"
            if not status.get("phase"):  # its first phase: the launch's own step, told here
                message = f"{launched(workshop, spec)}; {message}"
            created = [told for told in story or [] if told[0] == CREATED]
            for told in created:
                assert story is not None
                story.remove(told)
                message = f"{message}; {told[1]}"
            await record_event(
                self.cluster,
                workshop,
                assessment.phase,
                message,
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
