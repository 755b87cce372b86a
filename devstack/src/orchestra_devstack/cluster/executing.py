"""``pods/exec`` in the emulated cluster: ``tar`` of a workshop's stand-in work folder.

No container runs here, so there is no tar to run. What the platform execs is one
command, the operator's export (``tar -czf - [-C folder] .``, docs/src/content/docs/decisions/0060); this
answers it the way a real API server relays a container's output: a WebSocket in the
``v4.channel.k8s.io`` protocol, the archive on the stdout channel (1), then a
``Status`` on the error channel (3). The archive holds the workshop's stand-in folder,
``{work folders}/{workshop}``, which the fake kubelet keeps for each running workshop and
the stand-in application writes to (``standin``): the files a learner made. Any other
command ends with exit code 126, as a container without that program would. RBAC is
checked before this runs (``create pods/exec``, as on Kubernetes 1.31 and later).
"""

from __future__ import annotations

import asyncio
import io
import json
import tarfile
from pathlib import Path

from aiohttp import web

from orchestra_devstack.cluster.addresses import Address
from orchestra_devstack.cluster.errors import NotFoundError
from orchestra_devstack.cluster.kubelet import WORKSHOP_LABEL
from orchestra_devstack.cluster.storing import ObjectStore

PROTOCOLS = ("v4.channel.k8s.io", "channel.k8s.io")
STDOUT, STDERR, ERROR = 1, 2, 3
CHUNK = 64 * 1024


def archive(folder: Path | None) -> bytes:
    """A gzip'd tar of ``folder``'s contents, members named ``./...`` as tar's ``-C f .``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        if folder is not None and folder.is_dir():
            tar.add(folder, arcname=".")
    return buffer.getvalue()


def _failure(code: int, message: str) -> bytes:
    return json.dumps(
        {
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
        }
    ).encode()


def is_export(command: list[str]) -> bool:
    return len(command) >= 4 and command[:3] == ["tar", "-czf", "-"] and command[-1] == "."


class Executor:
    def __init__(self, *, store: ObjectStore, work_folders: Path | None) -> None:
        self._store = store
        self._work_folders = work_folders

    def folder_of(self, namespace: str, pod: str) -> Path | None:
        definition = self._store.registry.find("", "v1", "pods")
        assert definition is not None
        body = self._store.get(definition, namespace, pod)  # ApiError 404 if absent
        workshop: str | None = ((body.get("metadata") or {}).get("labels") or {}).get(
            WORKSHOP_LABEL
        )
        if not workshop or self._work_folders is None:
            return None
        return self._work_folders / str(workshop)

    async def __call__(self, request: web.Request, address: Address) -> web.StreamResponse:
        if not address.namespace or not address.name:
            raise NotFoundError("exec needs a pod")
        folder = self.folder_of(address.namespace, address.name)
        command = request.query.getall("command", [])
        socket = web.WebSocketResponse(protocols=PROTOCOLS)
        await socket.prepare(request)
        if not is_export(command):
            await socket.send_bytes(bytes([STDERR]) + f"{command[:1]}: not found\n".encode())
            await socket.send_bytes(bytes([ERROR]) + _failure(126, "command not found"))
        elif folder is not None and folder.exists() and not folder.is_dir():
            # What tar says of ``-C`` on something that is no directory: a failed export.
            await socket.send_bytes(bytes([STDERR]) + b"tar: Cannot open: Not a directory\n")
            await socket.send_bytes(bytes([ERROR]) + _failure(2, "command terminated"))
        else:
            data = await asyncio.to_thread(archive, folder)
            for start in range(0, len(data), CHUNK):
                await socket.send_bytes(bytes([STDOUT]) + data[start : start + CHUNK])
            await socket.send_bytes(bytes([ERROR]) + json.dumps({"status": "Success"}).encode())
        await socket.close()
        return socket
