"""List and watch Workshops across all namespaces, resuming where the last watch ended.

The classic Kubernetes informer loop, kept small: list (remember the list's
resourceVersion), then watch from it; every event moves the resume point;
when a watch ends, watch again from there; when the server answers 410 Gone
(the resume point is too old), list again. Each list is handed over whole so
the caller can reconcile what disappeared while nobody was watching.

Events are handed over as they arrive and may be recorded concurrently; when
a watch ends, ``settle`` waits for them and names the resume point, the
newest version below which everything was recorded (a low watermark). When
recording fails (``Unavailable``: Postgres is down), the watch restarts from
there, so no transition is skipped; if that point has expired meanwhile, the
relist covers it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from kubernetes_asyncio import client, config
from kubernetes_asyncio.client.exceptions import ApiException

from orchestra_shared.retrying import Backoff, raise_if_cancelled
from orchestra_shared.settings import KubernetesSettings
from orchestra_shared.workshops import GROUP, PLURAL, VERSION
from orchestra_sync.errors import Unavailable
from orchestra_sync.pipelining import Settled

log = logging.getLogger(__name__)
PATH = f"/apis/{GROUP}/{VERSION}/{PLURAL}"
Body = dict[str, Any]


class Gone(Exception):
    """The resume point is older than the server keeps: relist."""


@dataclass
class Handlers:
    snapshot: Callable[[list[Body], str], Awaitable[None]]  # the items and the list's version
    event: Callable[[str, Body], Awaitable[None]]  # bookmarks too; may return before recorded
    settle: Callable[[], Awaitable[Settled]]  # wait for handed-over events: the resume point


async def connect(settings: KubernetesSettings) -> client.ApiClient:
    configuration = client.Configuration()
    if settings.kubeconfig is not None:
        await config.load_kube_config(
            config_file=str(settings.kubeconfig),
            context=settings.kube_context,
            client_configuration=configuration,
        )
    else:
        config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    return client.ApiClient(configuration)


async def _get(api: client.ApiClient, query: list[tuple[str, str]], timeout: float | None) -> Any:
    try:
        response = await api.call_api(
            PATH,
            "GET",
            query_params=query,
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
            _preload_content=False,
            _request_timeout=timeout,
        )
    except ApiException as error:
        if error.status == 410:
            raise Gone() from error
        raise
    # Without preloading, the client hands back error responses instead of raising.
    if response.status == 410:
        response.release()
        raise Gone()
    if response.status == 504:
        body = await response.text()
        response.release()
        if "Too large resource version" in body:
            raise Gone()  # a resume point from another cluster (or a restored etcd): relist
        raise ApiException(status=504, reason=body[:300])
    if response.status >= 400:
        body = await response.text()
        response.release()
        raise ApiException(status=response.status, reason=f"{response.reason}: {body[:300]}")
    return response


async def list_workshops(api: client.ApiClient) -> tuple[list[Body], str]:
    response = await _get(api, [], timeout=30)
    data = json.loads(await response.read())
    return list(data.get("items", [])), str(data.get("metadata", {}).get("resourceVersion", ""))


async def workshop_names(api: client.ApiClient) -> tuple[list[str], str]:
    """The names of the Workshops that exist now, and the list's version (for the audit)."""
    items, listed = await list_workshops(api)
    return [str(item["metadata"]["name"]) for item in items], listed


async def watch_workshops(
    api: client.ApiClient, resource_version: str, *, timeout: int
) -> AsyncIterator[tuple[str, Body]]:
    query = [
        ("watch", "true"),
        ("resourceVersion", resource_version),
        ("allowWatchBookmarks", "true"),
        ("timeoutSeconds", str(timeout)),
    ]
    response = await _get(api, query, timeout=timeout + 30)
    try:
        async for line in response.content:
            if not line.strip():
                continue
            event = json.loads(line)
            kind, obj = event.get("type"), event.get("object") or {}
            if kind == "ERROR":
                if obj.get("code") == 410:
                    raise Gone()
                raise RuntimeError(f"watch error: {obj.get('message')}")
            yield str(kind), obj
    finally:
        response.release()


async def follow(
    api: client.ApiClient,
    handlers: Handlers,
    *,
    watch_timeout: int,
    backoff_max: float,
    backoff_min: float = 0.2,
    resume_from: str | None = None,
) -> None:
    """Run until cancelled: list, then watch from the list, resuming and relisting as needed.

    ``resume_from`` skips the first list: a restarted sync watches from where it
    stopped, so changes made while it was down arrive as the events they were,
    deletions included (with their last status and annotations); if the server
    no longer keeps that point, it answers 410 and the list covers the gap.
    """
    resource_version: str | None = resume_from
    backoff = Backoff(backoff_min, backoff_max)
    while True:
        raise_if_cancelled()
        try:
            if resource_version is None:
                items, listed = await list_workshops(api)
                await handlers.snapshot(items, listed)
                resource_version = listed
            try:
                async for kind, obj in watch_workshops(
                    api, resource_version, timeout=watch_timeout
                ):
                    await handlers.event(kind, obj)
                    backoff.reset()
            finally:
                settled = await handlers.settle()
                if settled.version is not None:
                    resource_version = settled.version
            if settled.failure is not None:
                raise settled.failure
        except Gone:
            log.info("watch resume point expired; relisting")
            resource_version = None
        except Unavailable as error:
            log.warning(
                "recording failed; resuming from the last recorded event",
                extra={
                    "error": repr(error.__cause__ or error),
                    "resource_version": resource_version,
                },
            )
            await backoff.wait()
        except (aiohttp.ClientError, ApiException, OSError, TimeoutError, RuntimeError) as error:
            log.warning("watch interrupted; reconnecting", extra={"error": repr(error)})
            await backoff.wait()
