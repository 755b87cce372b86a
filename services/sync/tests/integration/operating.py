"""A stand-in for the operator: writes Workshops and their status into the emulated cluster.

Sync only reads Workshops, so its tests play the operator's part directly on
the emulated cluster's store (synchronous, no HTTP): create a Workshop, move
it through phases the way the operator's status patch does (``phase``,
``phaseChangedAt``, the Ready condition and the bounded ``status.transitions``
log), annotate it with the termination reason and delete it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from orchestra_devstack.cluster.serving import EmulatedCluster
from orchestra_shared import labels
from orchestra_shared.workshops import GROUP, PLURAL, TRANSITIONS_KEPT, VERSION

NAMESPACE = "orchestra-u-test"
OWNER = "ada@example.org"
Body = dict[str, Any]


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


class FakeOperator:
    def __init__(self, cluster: EmulatedCluster, *, log_transitions: bool = True) -> None:
        self.cluster = cluster
        self.log_transitions = log_transitions
        definition = cluster.registry.find(GROUP, VERSION, PLURAL)
        assert definition is not None
        self.definition = definition
        self._last: datetime = datetime.now(UTC)
        # Every phase each Workshop went through, with its time: what history must show.
        self.went_through: dict[str, list[tuple[str, datetime]]] = {}

    def _tick(self) -> datetime:
        """Strictly increasing times, even when the clock does not move between two writes."""
        now = datetime.now(UTC)
        self._last = now if now > self._last else self._last + timedelta(microseconds=1)
        return self._last

    def create(self, name: str, *, expires_at: datetime | None = None) -> Body:
        expires = expires_at or datetime.now(UTC) + timedelta(hours=1)
        self.went_through[name] = []
        body = {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "Workshop",
            "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {
                "owner": OWNER,
                "template": "rstudio",
                "templateName": "RStudio",
                "image": "rocker/rstudio:4.4",
                "port": 8787,
                "expiresAt": stamp(expires),
            },
        }
        return self.cluster.store.create(self.definition, NAMESPACE, body)

    def move(
        self, name: str, phase: str, *, reason: str | None = None, message: str | None = None
    ) -> datetime:
        at = self._tick()

        def change(body: Body) -> Body:
            status = dict(body.get("status") or {})
            status.update(
                phase=phase,
                reason=reason,
                message=message,
                url=f"https://{name}.workshops.example.org/",
                phaseChangedAt=stamp(at),
                expiresAt=body["spec"]["expiresAt"],
                conditions=[
                    {
                        "type": "Ready",
                        "status": "True" if phase == "Ready" else "False",
                        "reason": reason or phase,
                        "message": message or "",
                        "lastTransitionTime": stamp(at),
                    }
                ],
            )
            if self.log_transitions:
                entry = {"phase": phase, "reason": reason, "message": message, "time": stamp(at)}
                status["transitions"] = [*(status.get("transitions") or []), entry][
                    -TRANSITIONS_KEPT:
                ]
            body["status"] = status
            return body

        self.cluster.store.update(self.definition, NAMESPACE, name, change, subresource="status")
        self.went_through[name].append((phase, at))
        return at

    def delete(self, name: str, *, reason: str | None = None) -> None:
        if reason is not None:

            def annotate(body: Body) -> Body:
                annotations = body["metadata"].setdefault("annotations", {})
                annotations[labels.TERMINATION_REASON] = reason
                return body

            self.cluster.store.update(self.definition, NAMESPACE, name, annotate)
        self.cluster.store.delete(self.definition, NAMESPACE, name)

    def lose(self, name: str) -> None:
        """Deleted, and the watch never hears of it (a missed DELETED)."""
        self.cluster.store.lose(self.definition, NAMESPACE, name)
