"""
The object store: every read and write of the emulated API goes through here.

Objects live in kmock's ``ObjectsArray`` (``KubernetesEmulator.objects``), so
tests can still inspect them with kmock's syntax, including each object's
history of versions (trimmed to ``history_limit`` here, since a dev stack runs
for hours). kmock's own request handlers are not used for objects: this store
adds what they leave out (system metadata, a cluster-wide resourceVersion
bumped on every write, optimistic concurrency, status subresource, AlreadyExistsError,
finalizer-aware deletion, namespace existence, and the refusals of a real API
server: names, labels and fields, ``validating``) and records every write in the
``EventLog`` that watches and in-process controllers follow.

All methods are synchronous: a write and its log entry happen without an
``await`` in between, so watchers never see a half-done write.

Reads never scan the whole store: live objects are indexed by resource and
namespace, by uid, by owner uid (the garbage collector's question) and by
label (``key=value``), all kept by ``_record``, so a request costs the same at
a hundred objects as at a hundred thousand (bench/emulator.py measures it).
"""

from __future__ import annotations

import copy
import datetime
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import kmock

from orchestra_devstack.cluster import admitting, validating
from orchestra_devstack.cluster.definitions import Definition, Registry
from orchestra_devstack.cluster.errors import (
    AlreadyExistsError,
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
)
from orchestra_devstack.cluster.selectors import Requirement, Selector
from orchestra_devstack.cluster.watching import Change, EventLog, StorageKey

NAMESPACES: StorageKey = ("", "v1", "namespaces")
CRDS: StorageKey = ("apiextensions.k8s.io", "v1", "customresourcedefinitions")
INITIAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")

Body = dict[str, Any]
# An object's place: resource, namespace (None for cluster-scoped), name.
Place = tuple[StorageKey, str | None, str]
Listed = list[tuple[StorageKey, Body]]  # (``ObjectStore.list`` hides the builtin in its class)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class ObjectStore:
    def __init__(
        self,
        *,
        registry: Registry,
        objects: Any,  # kmock.ObjectsArray
        log: EventLog,
        strict_namespaces: bool = True,
        history_limit: int = 5,
        clock: Callable[[], datetime.datetime] = _now,
        validation: bool = True,
    ) -> None:
        self.registry = registry
        self.validation = validation
        self.log = log
        self._objects = objects
        self._strict_namespaces = strict_namespaces
        self._history_limit = history_limit
        self.clock = clock
        self._resources: dict[StorageKey, Any] = {}
        # The indexes of the live objects (see the module docstring).
        self._live: dict[StorageKey, dict[str | None, dict[str, Body]]] = defaultdict(dict)
        self._by_uid: dict[str, Place] = {}
        self._by_owner: dict[str, set[Place]] = defaultdict(set)
        self._by_label: dict[tuple[StorageKey, str, str], set[Place]] = defaultdict(set)

    # -- reading --------------------------------------------------------------------------

    def _key(self, storage_key: StorageKey, namespace: str | None, name: str) -> Any:
        resource = self._resources.get(storage_key)
        if resource is None:
            resource = self._resources[storage_key] = kmock.resource(*storage_key)
        return (resource, namespace, name)

    def _current(self, definition: Definition, namespace: str | None, name: str) -> Body | None:
        return self._live.get(definition.storage_key, {}).get(namespace, {}).get(name)

    def get(self, definition: Definition, namespace: str | None, name: str) -> Body:
        body = self._current(definition, namespace, name)
        if body is None:
            raise NotFoundError(
                f'{definition.qualified_name} "{name}" not found',
                details={"name": name, "group": definition.group, "kind": definition.plural},
            )
        return body

    def items(self) -> Iterator[tuple[StorageKey, Body]]:
        """Every live object of every resource, with its storage key."""
        for storage_key, namespaces in list(self._live.items()):
            for objects in list(namespaces.values()):
                for body in list(objects.values()):
                    yield storage_key, body

    def list(
        self, definition: Definition, namespace: str | None, selector: Selector | None = None
    ) -> list[Body]:
        storage_key = definition.storage_key
        namespaces = self._live.get(storage_key, {})
        candidates: Iterable[Body]
        narrowing = _narrowing(selector)
        if narrowing is not None:
            places: set[Place] = set()
            for value in narrowing.values:
                places |= self._by_label.get((storage_key, narrowing.key, value), set())
            candidates = [
                namespaces[ns][name]
                for _, ns, name in places
                if namespace is None or ns == namespace
            ]
        elif namespace is None:
            candidates = [body for objects in namespaces.values() for body in objects.values()]
        else:
            candidates = namespaces.get(namespace, {}).values()
        bodies = [body for body in candidates if selector is None or selector.matches(body)]
        return sorted(
            bodies, key=lambda b: (b["metadata"].get("namespace") or "", b["metadata"]["name"])
        )

    def find_uid(self, uid: str) -> Body | None:
        place = self._by_uid.get(uid)
        return None if place is None else self._live[place[0]][place[1]][place[2]]

    def owned_by(self, uid: str) -> Listed:
        """The live objects naming ``uid`` among their ownerReferences."""
        return [
            (key, self._live[key][namespace][name])
            for key, namespace, name in sorted(self._by_owner.get(uid, ()), key=str)
        ]

    def in_namespace(self, namespace: str) -> Listed:
        """Every live namespaced object in ``namespace``."""
        return [
            (key, body)
            for key, namespaces in list(self._live.items())
            for body in list(namespaces.get(namespace, {}).values())
        ]

    def _index(self, storage_key: StorageKey, old: Body | None, new: Body | None) -> None:
        """Move one object's index entries from its old state to its new (None: absent)."""
        for body, adding in ((old, False), (new, True)):
            if body is None:
                continue
            metadata = body["metadata"]
            namespace, name = metadata.get("namespace"), metadata["name"]
            place = (storage_key, namespace, name)
            objects = self._live[storage_key].setdefault(namespace, {})
            uid = metadata.get("uid")
            owners = [o.get("uid") for o in metadata.get("ownerReferences") or []]
            labels = [(storage_key, k, v) for k, v in (metadata.get("labels") or {}).items()]
            if adding:
                objects[name] = body
                if uid:
                    self._by_uid[uid] = place
                for owner in owners:
                    self._by_owner[owner].add(place)
                for label in labels:
                    self._by_label[label].add(place)
                continue
            objects.pop(name, None)
            if not objects:
                del self._live[storage_key][namespace]
            if uid and self._by_uid.get(uid) == place:
                del self._by_uid[uid]
            for owner in owners:
                _discard(self._by_owner, owner, place)
            for label in labels:
                _discard(self._by_label, label, place)

    # -- writing --------------------------------------------------------------------------

    def _record(self, definition: Definition, kind: str, new: Body, old: Body | None) -> Body:
        new["metadata"]["resourceVersion"] = str(self.log.next_resource_version())
        metadata = new["metadata"]
        key = self._key(definition.storage_key, metadata.get("namespace"), metadata["name"])
        if key not in self._objects:
            self._objects[key] = new
        elif kind == "DELETED":
            self._objects[key].history.append(new)
            self._objects[key].delete()
        else:
            history = self._objects[key].history
            history.append(new)
            if len(history) > self._history_limit:
                del history[: -self._history_limit]
        self._index(definition.storage_key, old, None if kind == "DELETED" else new)
        self.log.append(
            Change(self.log.last_resource_version, definition.storage_key, kind, new, old)
        )
        return new

    def ensure_initial_namespaces(self) -> None:
        definition = self._definition(NAMESPACES)
        for name in INITIAL_NAMESPACES:
            if self._current(definition, None, name) is None:
                self.create(definition, None, {"metadata": {"name": name}})

    def _definition(self, storage_key: StorageKey) -> Definition:
        definition = self.registry.find(*storage_key)
        if definition is None:
            raise NotFoundError(f"the server could not find the requested resource {storage_key}")
        return definition

    def _check_namespace(self, namespace: str) -> None:
        if not self._strict_namespaces:
            return
        ns = self._current(self._definition(NAMESPACES), None, namespace)
        if ns is None:
            raise NotFoundError(
                f'namespaces "{namespace}" not found',
                details={"name": namespace, "kind": "namespaces"},
            )
        if ns["metadata"].get("deletionTimestamp"):
            raise ForbiddenError(
                f"unable to create new content in namespace {namespace} because "
                f"it is being terminated"
            )

    def create(self, definition: Definition, namespace: str | None, body: Any) -> Body:
        new = admitting.admit_new(
            definition, namespace, body, uid=str(uuid.uuid4()), now=self.clock()
        )
        self._validate(definition, new)
        metadata = new["metadata"]
        if definition.namespaced:
            self._check_namespace(metadata["namespace"])
        if self._current(definition, metadata.get("namespace"), metadata["name"]) is not None:
            raise AlreadyExistsError(
                f'{definition.qualified_name} "{metadata["name"]}" already exists',
                details={
                    "name": metadata["name"],
                    "group": definition.group,
                    "kind": definition.plural,
                },
            )
        if definition.storage_key == CRDS:
            try:
                self.registry.declare_crd(new)
            except (KeyError, TypeError, ValueError) as e:
                raise InvalidError(f"invalid CustomResourceDefinition: {e}") from e
        return self._record(definition, "ADDED", new, None)

    def update(
        self,
        definition: Definition,
        namespace: str | None,
        name: str,
        change: Callable[[Body], Any],
        *,
        subresource: str | None = None,
    ) -> Body:
        """Patch or replace: ``change`` gets a copy of the object and returns the intent."""
        old = self.get(definition, namespace, name)
        candidate = change(copy.deepcopy(old))
        new = admitting.admit_update(definition, old, candidate, subresource=subresource)
        if new == old:
            return old  # a no-op write: no new resourceVersion, no event (as in Kubernetes)
        self._validate(definition, new, before=old)
        new = self._record(definition, "MODIFIED", new, old)
        if admitting.is_releasable(new):
            return self._remove(definition, new)
        return new

    def delete(
        self,
        definition: Definition,
        namespace: str | None,
        name: str,
        *,
        preconditions: dict[str, Any] | None = None,
    ) -> Body:
        old = self.get(definition, namespace, name)
        for field in ("uid", "resourceVersion"):
            expected = (preconditions or {}).get(field)
            if expected and str(expected) != old["metadata"].get(field):
                raise ConflictError(
                    f'Operation cannot be fulfilled on {definition.qualified_name} "{name}": '
                    f"Precondition failed: {field}: {expected}, "
                    f"object {field}: {old['metadata'].get(field)}",
                )
        if old["metadata"].get("deletionTimestamp"):
            return old
        if admitting.is_held(old):
            new = admitting.mark_deleted(old, now=self.clock())
            return self._record(definition, "MODIFIED", new, old)
        return self._remove(definition, old)

    def _validate(self, definition: Definition, body: Body, *, before: Body | None = None) -> None:
        """What a real API server refuses (names, labels, fields: ``validating``), 422."""
        if self.validation:
            validating.check(
                definition, body, crd_schema=self.registry.schema_of(definition), before=before
            )

    def lose(self, definition: Definition, namespace: str | None, name: str) -> Body:
        """A fault for tests: the object is gone and no watch is told (a missed DELETED).

        A real API server does not drop events, but a client can miss one (a bug of
        its own, a restore of etcd); level-based checks must survive that, and
        this is how a test makes it happen.
        """
        old = self.get(definition, namespace, name)
        self._index(definition.storage_key, old, None)
        key = self._key(definition.storage_key, namespace, name)
        if key in self._objects:
            self._objects[key].delete()
        return old

    def _remove(self, definition: Definition, last: Body) -> Body:
        return self._record(definition, "DELETED", copy.deepcopy(last), last)

    def finalize_namespace(self, name: str) -> None:
        """The namespace controller's last step: drop its finalizer once the namespace is empty."""
        definition = self._definition(NAMESPACES)
        if self._current(definition, None, name) is None:
            return

        def drop_finalizers(body: Body) -> Body:
            body.setdefault("spec", {})["finalizers"] = []
            return body

        self.update(definition, None, name, drop_finalizers)


def _discard(index: dict[Any, set[Place]], entry: Any, place: Place) -> None:
    members = index.get(entry)
    if members is not None:
        members.discard(place)
        if not members:
            del index[entry]


def _narrowing(selector: Selector | None) -> Requirement | None:
    """A label requirement the label index can answer (``key=value`` or ``key in (...)``)."""
    for requirement in selector.labels if selector is not None else ():
        if requirement.operator in ("=", "in"):
            return requirement
    return None
