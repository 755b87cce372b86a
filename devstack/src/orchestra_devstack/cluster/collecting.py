"""
The garbage collector and the namespace controller of the emulated cluster.

kmock deletes nothing on its own: children outlive their owners and a deleted
namespace leaves its content behind. Here, in background as in Kubernetes:

* an object whose every ``ownerReferences`` owner (matched by uid) is gone is
  deleted, which cascades (Workshop -> Deployment -> Pod) because each deletion
  is itself a change that triggers the next sweep;
* a namespace marked for deletion gets all its content deleted (objects with
  finalizers wait for them), and once empty it is finalized and removed.

Only the "Background" propagation policy is emulated: "Orphan" and
"Foreground" behave like "Background".
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from orchestra_devstack.cluster.errors import ApiError
from orchestra_devstack.cluster.storing import NAMESPACES, Body, ObjectStore
from orchestra_devstack.cluster.watching import Change

logger = logging.getLogger(__name__)


def _is_relevant(change: Change) -> bool:
    if change.type == "DELETED" or change.storage_key == NAMESPACES:
        return True
    return bool(change.new["metadata"].get("ownerReferences"))


class GarbageCollector:
    def __init__(self, *, store: ObjectStore, delay: float = 0.0) -> None:
        self._store = store
        self._delay = delay  # seconds between noticing a change and collecting

    async def run(self) -> None:
        with self._store.log.subscribe() as queue:
            self.sweep()
            while True:
                changes = [await queue.get()]
                if self._delay:
                    await asyncio.sleep(self._delay)
                while not queue.empty():
                    changes.append(queue.get_nowait())
                if any(_is_relevant(change) for change in changes):
                    self.sweep()

    def sweep(self) -> None:
        """One pass; its own deletions are new changes, so cascades continue next pass."""
        try:
            objects = list(self._store.items())
            alive = {body["metadata"].get("uid") for _, body in objects}
            terminating = {
                body["metadata"]["name"]
                for key, body in objects
                if key == NAMESPACES and body["metadata"].get("deletionTimestamp")
            }
            occupied: set[str] = set()
            for key, body in objects:
                metadata = body["metadata"]
                namespace = metadata.get("namespace")
                if namespace in terminating:
                    occupied.add(namespace)
                    self._delete(key, body)
                    continue
                owners = metadata.get("ownerReferences") or []
                if owners and not any(owner.get("uid") in alive for owner in owners):
                    self._delete(key, body)
            for namespace in terminating - occupied:
                self._store.finalize_namespace(namespace)
        except Exception:
            logger.exception("The garbage collector failed a sweep; it goes on.")

    def _delete(self, key: tuple[str, str, str], body: Body) -> None:
        if body["metadata"].get("deletionTimestamp"):
            return  # already marked, waiting for its finalizers
        definition = self._store.registry.find(*key)
        if definition is None:
            return
        metadata: dict[str, Any] = body["metadata"]
        try:
            self._store.delete(definition, metadata.get("namespace"), metadata["name"])
        except ApiError as e:
            logger.debug("Could not collect %s %s: %s", definition.kind, metadata["name"], e)
