"""
A fake kubelet (and deployment controller): Deployments become available.

No container ever runs in the emulated cluster, so without this nothing would
report a Deployment as ready. ``FakeKubelet`` follows the change log and,
``delay`` seconds after a Deployment appears or its spec changes (a new
``generation``), writes its status (available, or failing) through the status
subresource and creates its Pods (owned by the Deployment, so the garbage
collector removes them with it). Images matching a ``failing_images`` pattern
(fnmatch) fail the way Kubernetes shows it; ``progress_deadline`` seconds later
the Deployment's Progressing condition turns ``ProgressDeadlineExceeded``.
Timers are plain ``call_later`` handles, so hundreds of Deployments cost nothing.
With ``work_folders``, it also keeps each running workshop's stand-in work folder
(``{work_folders}/{workshop}``: made when its pods start, removed with its Deployment,
as a pod's files go with it), which ``pods/exec`` reads (``executing``).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import fnmatch
import hashlib
import logging
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from orchestra_devstack.cluster import podstatuses
from orchestra_devstack.cluster.admitting import timestamp
from orchestra_devstack.cluster.definitions import Definition
from orchestra_devstack.cluster.errors import ApiError
from orchestra_devstack.cluster.storing import Body, ObjectStore
from orchestra_devstack.cluster.watching import Change

logger = logging.getLogger(__name__)
WORKSHOP_LABEL = "orchestra.io/workshop"  # the operator's orchestra_shared.labels.WORKSHOP

DEPLOYMENTS = ("apps", "v1", "deployments")
PODS = ("", "v1", "pods")
Key = tuple[str, str]  # namespace, name


def _images(deployment: Body) -> list[str]:
    spec = ((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}
    containers = (spec.get("initContainers") or []) + (spec.get("containers") or [])
    return [c.get("image", "") for c in containers]


def _with_status(status: Body) -> Callable[[Body], Body]:
    return lambda body: {**body, "status": status}


class FakeKubelet:
    def __init__(
        self,
        *,
        store: ObjectStore,
        delay: float = 1.0,
        failing_images: Mapping[str, str] | None = None,
        progress_deadline: float = 5.0,
        work_folders: Path | None = None,
    ) -> None:
        self._store = store
        self._work_folders = work_folders
        self._delay = delay
        self._progress_deadline = progress_deadline
        self._failing: dict[str, str] = {}
        self._timers: dict[Key, asyncio.TimerHandle] = {}
        self._pods: dict[Key, list[str]] = {}
        self._started = 0  # pods started so far; numbers their IP addresses
        for pattern, reason in (failing_images or {}).items():
            self._failing[pattern] = self._validate(reason)

    @property
    def failing_images(self) -> dict[str, str]:
        return dict(self._failing)

    @staticmethod
    def _validate(reason: str) -> str:
        if reason not in podstatuses.FAILURE_REASONS:
            raise ValueError(
                f"Unknown failure reason {reason!r}; "
                f"use one of {sorted(podstatuses.FAILURE_REASONS)}"
            )
        return reason

    def add_failing_image(self, pattern: str, reason: str) -> None:
        """From now on, images matching the pattern fail; running Deployments too."""
        self._failing[pattern] = self._validate(reason)
        self._reconsider(pattern)

    def remove_failing_image(self, pattern: str) -> None:
        if self._failing.pop(pattern, None) is not None:
            self._reconsider(pattern)

    def failure_for(self, deployment: Body) -> str | None:
        for image in _images(deployment):
            for pattern, reason in self._failing.items():
                if fnmatch.fnmatchcase(image, pattern):
                    return reason
        return None

    def _definition(self, key: tuple[str, str, str]) -> Definition:
        definition = self._store.registry.find(*key)
        assert definition is not None, f"built-in resource {key} is not declared"
        return definition

    def _reconsider(self, pattern: str) -> None:
        """Re-evaluate running Deployments whose images match a changed pattern."""
        for body in self._store.list(self._definition(DEPLOYMENTS), None):
            if any(fnmatch.fnmatchcase(image, pattern) for image in _images(body)):
                self._schedule(body, self._delay)

    async def run(self) -> None:
        with self._store.log.subscribe(DEPLOYMENTS) as queue:
            for body in self._store.list(self._definition(DEPLOYMENTS), None):
                self._schedule(body, self._delay)
            try:
                while True:
                    self._observe(await queue.get())
            finally:
                for timer in self._timers.values():
                    timer.cancel()

    def _observe(self, change: Change) -> None:
        if change.storage_key != DEPLOYMENTS:
            return
        metadata = change.new["metadata"]
        key = (metadata["namespace"], metadata["name"])
        if change.type == "DELETED":
            if timer := self._timers.pop(key, None):
                timer.cancel()
            self._pods.pop(key, None)
            self._forget_folder(change.new)
            return
        old_generation = (change.old or {}).get("metadata", {}).get("generation")
        if change.type == "ADDED" or old_generation != metadata.get("generation"):
            self._schedule(change.new, self._delay)

    def _schedule(self, deployment: Body, delay: float, *, deadline: bool = False) -> None:
        metadata = deployment["metadata"]
        key = (metadata["namespace"], metadata["name"])
        if timer := self._timers.pop(key, None):
            timer.cancel()
        loop = asyncio.get_running_loop()
        self._timers[key] = loop.call_later(delay, self._settle, key, deadline)

    def _settle(self, key: Key, deadline_exceeded: bool) -> None:
        self._timers.pop(key, None)
        try:
            deployment = self._store.get(self._definition(DEPLOYMENTS), *key)
        except ApiError:
            return  # deleted meanwhile
        try:
            self._report(key, deployment, deadline_exceeded)
        except ApiError as e:
            logger.debug("The fake kubelet could not settle %s/%s: %s", *key, e)
        except Exception:
            logger.exception("The fake kubelet failed on %s/%s.", *key)

    def _report(self, key: Key, deployment: Body, deadline_exceeded: bool) -> None:
        failure = self.failure_for(deployment)
        spec = deployment.get("spec") or {}
        template = spec.get("template") or {}
        template_hash = hashlib.sha256(repr(template).encode()).hexdigest()[:10]
        replica_set = f"{key[1]}-{template_hash}"
        replicas = int(spec.get("replicas", 1))
        now = timestamp(self._store.clock())
        status = podstatuses.deployment_status(
            generation=int(deployment["metadata"].get("generation", 1)),
            replicas=replicas,
            replica_set=replica_set,
            failure=failure,
            deadline_exceeded=deadline_exceeded,
            now=now,
        )

        deployments = self._definition(DEPLOYMENTS)
        self._store.update(deployments, *key, _with_status(status), subresource="status")
        if deadline_exceeded:
            return  # the pods stay as they are; only the Deployment gives up
        self._replace_pods(key, deployment, replica_set, replicas, failure, now)
        if failure is not None and not deadline_exceeded:
            self._schedule(deployment, self._progress_deadline, deadline=True)

    def _folder(self, deployment: Body) -> Path | None:
        labels = (deployment.get("metadata") or {}).get("labels") or {}
        workshop = labels.get(WORKSHOP_LABEL)
        if self._work_folders is None or not workshop:
            return None
        return self._work_folders / str(workshop)

    def _forget_folder(self, deployment: Body) -> None:
        if (folder := self._folder(deployment)) is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def _replace_pods(
        self,
        key: Key,
        deployment: Body,
        replica_set: str,
        replicas: int,
        failure: str | None,
        now: str,
    ) -> None:
        pods = self._definition(PODS)
        for name in self._pods.pop(key, []):
            with contextlib.suppress(ApiError):  # already gone: collected, or deleted by someone
                self._store.delete(pods, key[0], name)
        template = (deployment.get("spec") or {}).get("template") or {}
        labels = dict((template.get("metadata") or {}).get("labels") or {})
        pod_spec: dict[str, Any] = copy.deepcopy(template.get("spec") or {})
        owner = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": key[1],
            "uid": deployment["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
        names = []
        if failure != "Unschedulable":
            pod_spec["nodeName"] = "orchestra-emulated-node"
        for ordinal in range(replicas):
            suffix = hashlib.sha256(f"{key}{ordinal}".encode()).hexdigest()[:5]
            name = f"{replica_set}-{suffix}"
            body = {
                "metadata": {
                    "name": name,
                    "labels": {**labels, "pod-template-hash": replica_set[-10:]},
                    "ownerReferences": [owner],
                },
                "spec": pod_spec,
            }
            self._store.create(pods, key[0], body)
            status = podstatuses.pod_status(
                pod=name,
                containers=pod_spec.get("containers") or [],
                failure=failure,
                ordinal=self._started,
                now=now,
            )
            self._store.update(pods, key[0], name, _with_status(status), subresource="status")
            names.append(name)
            self._started += 1
        self._pods[key] = names
        if failure is None and (folder := self._folder(deployment)) is not None:
            folder.mkdir(parents=True, exist_ok=True)
