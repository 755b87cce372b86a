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

Each change is handled on its own, through the store's indexes (children by
owner uid, objects by namespace): a deleted object's children, an object whose
owners are gone, a terminating namespace's content. A full sweep runs once, at
start. The cost of a write is then the same however many objects are stored;
a sweep per write made every child's write cost the whole store.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from orchestra_devstack.cluster.errors import ApiError
from orchestra_devstack.cluster.storing import NAMESPACES, Body, ObjectStore
from orchestra_devstack.cluster.watching import Change

logger = logging.getLogger(__name__)


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
                for change in changes:
                    self.collect(change)

    def collect(self, change: Change) -> None:
        """What one change leaves to collect; its own deletions are changes of their own."""
        try:
            metadata = change.new["metadata"]
            if change.storage_key == NAMESPACES:
                if change.type != "DELETED" and metadata.get("deletionTimestamp"):
                    self._empty_namespace(metadata["name"])
                return
            namespace = metadata.get("namespace")
            if change.type == "DELETED":
                for key, child in self._store.owned_by(metadata.get("uid", "")):
                    if not self._has_an_owner(child):
                        self._delete(key, child)
                if namespace is not None and self._terminating(namespace):
                    self._empty_namespace(namespace)
                return
            body = self._store.find_uid(metadata.get("uid", ""))
            if body is not None and not self._has_an_owner(body):
                self._delete(change.storage_key, body)
        except Exception:
            logger.exception("The garbage collector failed on a change; it goes on.")

    def sweep(self) -> None:
        """Everything at once: what was there before the collector started."""
        try:
            objects = list(self._store.items())
            for key, body in objects:
                if key == NAMESPACES:
                    if body["metadata"].get("deletionTimestamp"):
                        self._empty_namespace(body["metadata"]["name"])
                elif not self._has_an_owner(body):
                    self._delete(key, body)
        except Exception:
            logger.exception("The garbage collector failed a sweep; it goes on.")

    def _has_an_owner(self, body: Body) -> bool:
        owners = body["metadata"].get("ownerReferences") or []
        return not owners or any(
            self._store.find_uid(owner.get("uid", "")) is not None for owner in owners
        )

    def _terminating(self, namespace: str) -> bool:
        definition = self._store.registry.find(*NAMESPACES)
        assert definition is not None
        try:
            body = self._store.get(definition, None, namespace)
        except ApiError:
            return False
        return bool(body["metadata"].get("deletionTimestamp"))

    def _empty_namespace(self, namespace: str) -> None:
        """Delete what a terminating namespace holds; finalize it once nothing is left."""
        content = self._store.in_namespace(namespace)
        for key, body in content:
            self._delete(key, body)
        if not self._store.in_namespace(namespace):
            self._store.finalize_namespace(namespace)

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
