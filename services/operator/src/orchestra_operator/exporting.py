"""Saving a learner's work folder into the archive store, before deletion or on request.

The learner's pod holds no credential and pushes nothing: the operator, which already
holds the platform's Kubernetes access and deletes Workshops, pulls the folder through
a ``WorkFolderReader`` and writes the archive into the ``ArchiveStore``
(docs/src/content/docs/decisions/0060). The one reader, ``ExecReader``, runs ``tar`` in the workshop's
container over the ``pods/exec`` subresource (WebSocket, ``v4.channel.k8s.io``): on a
real cluster the container's own tar, on the emulated cluster its stand-in for the
workshop's files, served through the same subresource.

``save`` is bounded: ``export_attempts`` tries of at most ``export_timeout`` seconds
each. A terminate never waits longer than that for an export (the deadline is a
promise too): it records the failure (an Event on the Workshop, the metric, a log line)
and deletes anyway. Called by ``terminating`` (every terminate, any reason, and
``export requested``) and by ``resyncing`` (the deadline backstop, one attempt).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from aiohttp import WSMsgType
from kubernetes_asyncio import client
from kubernetes_asyncio.stream import WsApiClient

from orchestra_operator import metering
from orchestra_operator.cluster import PODS, Cluster
from orchestra_operator.config import OperatorSettings
from orchestra_operator.manifests import WORKSPACE_MOUNT
from orchestra_operator.reporting import record_event
from orchestra_shared import labels
from orchestra_shared.archiving import ArchiveInfo, ArchiveStore, archive_key
from orchestra_shared.owners import owner_hash

log = logging.getLogger(__name__)
Body = dict[str, Any]
CONTAINER = "workshop"
STDOUT, STDERR, ERROR = 1, 2, 3
EXPORTED = f"{labels.GROUP}/exported"
"""Annotation on a Workshop whose folder was saved before deletion: a terminate that is
redelivered after the export does not save it twice."""


class ExportFailed(Exception):
    """The folder could not be read (no tar, a failing command, a lost connection)."""


class WorkFolderReader(Protocol):
    def read(self, namespace: str, pod: str, folder: str | None) -> AsyncIterator[bytes]:
        """A gzip'd tar of ``folder`` (None: the container's working directory)."""


def tar_command(folder: str | None) -> list[str]:
    """What runs in the container: tar's output is the archive, nothing else (pure)."""
    return ["tar", "-czf", "-", *(["-C", folder] if folder else []), "."]


def exit_code(status: bytes) -> int:
    """The exit code in the error channel's ``Status`` (0 for Success)."""
    try:
        body = json.loads(status)
    except ValueError:
        return -1
    if body.get("status") == "Success":
        return 0
    for cause in (body.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            try:
                return int(cause.get("message"))
            except (TypeError, ValueError):
                return -1
    return -1


class ExecReader:
    """``tar`` through ``pods/exec``; the same client configuration as ``Cluster``."""

    def __init__(self, configuration: client.Configuration) -> None:
        self.api = WsApiClient(configuration)

    async def read(self, namespace: str, pod: str, folder: str | None) -> AsyncIterator[bytes]:
        core: Any = client.CoreV1Api(self.api)  # its stubs type the command as one string
        connecting = await core.connect_get_namespaced_pod_exec(
            pod,
            namespace,
            command=tar_command(folder),
            container=CONTAINER,
            stdout=True,
            stderr=True,
            stdin=False,
            tty=False,
            _preload_content=False,
        )
        errors = bytearray()
        status = b""
        async with connecting as socket:
            async for message in socket:
                if message.type != WSMsgType.BINARY or not message.data:
                    continue
                channel, data = message.data[0], message.data[1:]
                if channel == STDOUT and data:
                    yield bytes(data)
                elif channel == STDERR:
                    errors.extend(data[: 4096 - len(errors)])
                elif channel == ERROR:
                    status += data
        # GNU tar exits 1 when a file changed while it was read: the archive is still whole.
        code = exit_code(status) if status else -1
        if code not in (0, 1):
            raise ExportFailed(
                f"tar exited with {code}: {errors.decode(errors='replace').strip()[:500]}"
            )

    async def close(self) -> None:
        await self.api.close()


@dataclass
class Exporter:
    """What an export needs; ``None`` in its place when the platform exports nothing."""

    reader: WorkFolderReader
    store: ArchiveStore
    attempts: int
    timeout: float
    backoff: float = 1.0


def work_folder(workshop: Body) -> str | None:
    """The mounted workspace when the template has storage, else the working directory."""
    return WORKSPACE_MOUNT if (workshop.get("spec") or {}).get("storage") else None


async def running_pod(cluster: Cluster, workshop: Body) -> str | None:
    meta = workshop["metadata"]
    pods = await cluster.list(PODS, meta["namespace"], labels=f"{labels.WORKSHOP}={meta['name']}")
    for pod in pods:
        if (pod.get("status") or {}).get("phase") == "Running" and not pod["metadata"].get(
            "deletionTimestamp"
        ):
            return str(pod["metadata"]["name"])
    return None


async def save(
    workshop: Body,
    *,
    cluster: Cluster,
    exporter: Exporter,
    trigger: str,
    settings: OperatorSettings,
    attempts: int | None = None,
) -> ArchiveInfo | None:
    """Save the work folder of ``workshop``'s running pod; None when there is nothing to save
    (no pod runs: a launch that never started) or every attempt failed (recorded). Never
    raises for an export's failure, and never takes longer than the attempts allow."""
    meta = workshop["metadata"]
    name, namespace = meta["name"], meta["namespace"]
    pod = await running_pod(cluster, workshop)
    if pod is None:
        metering.EXPORTS.labels(trigger, "nothing").inc()
        return None
    owner = str((workshop.get("spec") or {}).get("owner") or "")
    failure = ""
    tries = attempts or exporter.attempts
    for attempt in range(1, tries + 1):
        key = archive_key(owner_hash(owner), name, datetime.now(UTC))
        try:
            async with asyncio.timeout(exporter.timeout):
                saved = await exporter.store.put(
                    key, exporter.reader.read(namespace, pod, work_folder(workshop))
                )
        except Exception as error:  # any failure of one attempt: the next may do
            failure = f"{type(error).__name__}: {error}"[:500]
            log.warning(
                "export failed",
                extra={"workshop": name, "attempt": attempt, "error": failure},
            )
            if attempt < tries:
                await asyncio.sleep(exporter.backoff * attempt)
            continue
        metering.EXPORTS.labels(trigger, "saved").inc()
        log.info("work folder saved", extra={"workshop": name, "key": saved.key})
        return saved
    metering.EXPORTS.labels(trigger, "failed").inc()
    await record_event(
        cluster,
        workshop,
        "ExportFailed",
        f"the work folder could not be saved after {tries} attempts: {failure}",
        settings=settings,
        warning=True,
    )
    return None
