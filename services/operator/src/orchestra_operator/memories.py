"""What a Reconciler remembers of each Workshop, so that a watch event costs only what it changed.

Kept in memory for as long as the process leads (a new leader starts with nothing, and so
checks everything once): per Workshop, the spec whose children were last all checked and
what they should be, the resourceVersion of the last status write, and the reason of the
phase last assessed. From these alone, with no request, the reconciler tells that an event
is its own write coming back, that a child has not drifted, or that a Pod has nothing to
say to the phase (``reconciling``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from orchestra_operator import assessing
from orchestra_operator.ensuring import drifted

Body = dict[str, Any]
Key = tuple[str, str]  # (namespace, name) of a Workshop
ASSESSED_KINDS = frozenset({"Deployment", "Pod"})
"""Children whose events can change the phase; the others matter only when they drift."""
QUIET_REASONS = frozenset({None, "Creating", "Starting", "Restarting"})
"""Reasons of a phase that no Pod gave: while the phase has one, a Pod with nothing
wrong to show cannot change it (the Deployment's own events report it started)."""
FAILED = "-"
"""Stands for the reason of a Failed phase, which is never quiet."""


def fingerprint(workshop: Body) -> str:
    """What the children are built from, besides the name, uid and settings."""
    return json.dumps(workshop.get("spec") or {}, sort_keys=True)


@dataclass
class Memory:
    ensured: dict[str, str] = field(default_factory=dict)
    """uid → fingerprint of the spec whose children were last all checked."""
    desired: dict[Key, tuple[str, list[Body]]] = field(default_factory=dict)
    """The children a Workshop should have, as of that check, with its uid."""
    written: dict[str, str] = field(default_factory=dict)
    """uid → resourceVersion of the last status write."""
    reasons: dict[Key, str | None] = field(default_factory=dict)
    """The reason of the phase last assessed (``FAILED`` for any failure)."""
    bodies: dict[Key, Body] = field(default_factory=dict)
    """The Workshop as last read or written; a status write made from it is conditional
    on its resourceVersion, so a stale one costs a conflict, never a lost update."""
    versions: dict[Key, dict[tuple[str, str], str]] = field(default_factory=dict)
    """The resourceVersion of each child (kind, name) as the last reconcile that looked
    at it left it (its own create or repair, or the state it checked)."""

    def forget(self, key: Key, uid: str) -> None:
        self.ensured.pop(uid, None)
        self.written.pop(uid, None)
        self.desired.pop(key, None)
        self.reasons.pop(key, None)
        self.versions.pop(key, None)
        self.bodies.pop(key, None)

    def checked_all(self, key: Key, workshop: Body, desired: list[Body]) -> None:
        uid = workshop["metadata"]["uid"]
        self.ensured[uid] = fingerprint(workshop)
        self.desired[key] = (uid, desired)

    def needs_full_check(self, workshop: Body) -> bool:
        return self.ensured.get(workshop["metadata"]["uid"]) != fingerprint(workshop)

    def own_write(self, workshop: Body) -> bool:
        """Whether this Workshop, as an event shows it, is our last status write."""
        meta = workshop["metadata"]
        uid = meta.get("uid")
        return bool(uid) and self.written.get(uid) == meta.get("resourceVersion")

    def says_nothing(self, key: Key, kind: str, body: Body | None) -> bool:
        """Whether a child's event (None: deleted) can change nothing remembered here."""
        if kind == "Pod":
            pod = body or {"metadata": {}}
            return self.pod_says_nothing(key, pod, deleted=body is None)
        if body is None:
            return False
        if self.seen_already(key, kind, body):
            return True
        return kind not in ASSESSED_KINDS and self.still_right(key, kind, body)

    def looked_at(self, key: Key, children: dict[str, Body]) -> None:
        """Remember the children a reconcile looked at (by kind), as it left them."""
        versions = self.versions.setdefault(key, {})
        for kind, body in children.items():
            meta = body.get("metadata") or {}
            if meta.get("name") and meta.get("resourceVersion"):
                versions[kind, meta["name"]] = meta["resourceVersion"]

    def seen_already(self, key: Key, kind: str, child: Body) -> bool:
        """Whether a child's event shows it as a reconcile already left it (its own
        create or repair coming back, say): nothing changed since."""
        meta = child["metadata"]
        known = self.versions.get(key, {}).get((kind, meta["name"]))
        return known is not None and known == meta.get("resourceVersion")

    def still_right(self, key: Key, kind: str, child: Body) -> bool:
        """Whether a child is as this process last made it: its Workshop's children were
        all checked, for the spec they have now, and it has not drifted."""
        known = self.desired.get(key)
        if known is None:
            return False
        uid, desired = known
        owners = {ref.get("uid") for ref in child["metadata"].get("ownerReferences") or []}
        if uid not in owners:
            return False  # a child of an earlier Workshop of that name, or of none
        name = child["metadata"]["name"]
        for wanted in desired:
            if wanted["metadata"]["name"] == name and wanted["kind"] == kind:
                return drifted(wanted, child) is None
        return True  # not one we make (an Ingress in shared mode): nothing to do

    def pod_says_nothing(self, key: Key, pod: Body, *, deleted: bool) -> bool:
        """Whether a Pod's event cannot change the phase last assessed."""
        if key not in self.reasons or self.reasons[key] not in QUIET_REASONS:
            return False
        return deleted or (
            assessing.pod_failure([pod]) is None and assessing.pod_pending_reason([pod]) is None
        )

    def assessed(self, key: Key, assessment: assessing.Assessment) -> None:
        self.reasons[key] = FAILED if assessment.phase == "Failed" else assessment.reason
