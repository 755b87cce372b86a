"""
The HTTP face of the object store: the Kubernetes REST verbs on resource paths.

kmock's ``KubernetesEmulator`` answers resource requests with a dict-merging
store that lacks most of what clients rely on (see ``storing``); this handler
takes over every resource path (``/api/v1/...``, ``/apis/<g>/<v>/...``) and
serves list, watch, get, create (POST), replace (PUT), patch (merge, JSON,
strategic-as-merge, apply-as-merge), delete and delete-collection, the
``status`` subresource, selectors, and ``Status`` error bodies. Discovery and
everything else stays with kmock (see ``serving``).
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from aiohttp import web

from orchestra_devstack.cluster import patches, tabling, watching
from orchestra_devstack.cluster.addresses import Address
from orchestra_devstack.cluster.definitions import Definition, Registry
from orchestra_devstack.cluster.errors import (
    ApiError,
    BadRequestError,
    MethodNotAllowedError,
    NotFoundError,
    UnsupportedMediaTypeError,
)
from orchestra_devstack.cluster.selectors import Selector
from orchestra_devstack.cluster.storing import Body, ObjectStore


def status_response(error: ApiError) -> web.Response:
    return web.json_response(error.as_status(), status=error.code)


def _present(definition: Definition) -> Any:
    """Stored objects are served under the requested version of the resource."""

    def present(body: Body) -> Body:
        return {**body, "apiVersion": definition.api_version}

    return present


class ResourceHandler:
    def __init__(
        self, *, store: ObjectStore, registry: Registry, bookmark_interval: float = 30.0
    ) -> None:
        self._store = store
        self._registry = registry
        self._bookmark_interval = bookmark_interval

    async def __call__(self, request: web.Request, address: Address) -> web.StreamResponse:
        try:
            return await self._dispatch(request, address)
        except ApiError as e:
            return status_response(e)

    def _resolve(self, address: Address) -> Definition:
        definition = self._registry.find(address.group, address.version, address.plural)
        if definition is None or (address.namespace is not None and not definition.namespaced):
            raise NotFoundError("the server could not find the requested resource")
        if address.subresource not in (None, "status") or (
            address.subresource == "status" and not definition.status_subresource
        ):
            raise NotFoundError("the server could not find the requested resource")
        return definition

    async def _dispatch(self, request: web.Request, address: Address) -> web.StreamResponse:
        definition = self._resolve(address)
        present = _present(definition)
        namespace, name, method = address.namespace, address.name, request.method
        if "dryRun" in request.query and method != "GET":
            # Refuse loudly rather than write for real what a client meant as a dry run.
            raise BadRequestError("dry runs are not supported by the emulated cluster")
        if method == "GET" and request.query.get("watch", "").lower() in ("true", "1"):
            return await self._watch(request, definition, address)
        if method == "GET" and tabling.wants_table(request.headers.get("Accept", "")):
            if name is None:
                objects = self._list(request, definition, namespace)["items"]
            else:
                objects = [present(self._store.get(definition, namespace, name))]
            version = str(self._store.log.last_resource_version)
            return web.json_response(tabling.as_table(definition, objects, version))
        if name is None:
            if method == "GET":
                return web.json_response(self._list(request, definition, namespace))
            if method == "POST":
                body = await self._read_json(request)
                return web.json_response(
                    present(self._store.create(definition, namespace, body)), status=201
                )
            if method == "DELETE":
                selector = self._selector(request)
                for item in self._store.list(definition, namespace, selector):
                    metadata = item["metadata"]
                    self._store.delete(definition, metadata.get("namespace"), metadata["name"])
                return web.json_response(self._list(request, definition, namespace))
            raise MethodNotAllowedError(f"{method} is not supported on a collection")
        if method == "GET":
            return web.json_response(present(self._store.get(definition, namespace, name)))
        if method == "PUT":
            body = await self._read_json(request)
            result = self._store.update(
                definition, namespace, name, lambda _: body, subresource=address.subresource
            )
            return web.json_response(present(result))
        if method == "PATCH":
            return web.json_response(present(await self._patch(request, definition, address)))
        if method == "DELETE":
            options = await self._read_json(request, default={})
            preconditions = options.get("preconditions") if isinstance(options, dict) else None
            result = self._store.delete(definition, namespace, name, preconditions=preconditions)
            return web.json_response(present(result))
        raise MethodNotAllowedError(f"{method} is not supported on an object")

    async def _patch(self, request: web.Request, definition: Definition, address: Address) -> Body:
        assert address.name is not None
        content_type = request.headers.get("Content-Type", patches.MERGE)
        if content_type.startswith(patches.APPLY):
            patch = yaml.safe_load(await request.text())
            if self._store_lacks(definition, address):  # server-side apply creates
                return self._store.create(definition, address.namespace, patch)
        else:
            patch = await self._read_json(request)

        def apply(body: Body) -> Body:
            return patches.apply_patch(body, patch, content_type=content_type)

        return self._store.update(
            definition, address.namespace, address.name, apply, subresource=address.subresource
        )

    def _store_lacks(self, definition: Definition, address: Address) -> bool:
        assert address.name is not None
        try:
            self._store.get(definition, address.namespace, address.name)
        except NotFoundError:
            return True
        return False

    @staticmethod
    async def _read_json(request: web.Request, *, default: Any = None) -> Any:
        media = request.headers.get("Content-Type", "application/json").split(";")[0].strip()
        if "protobuf" in media or "cbor" in media:
            # client-go (kubectl) then retries with JSON, as with a real server without protobuf.
            raise UnsupportedMediaTypeError(
                f"the body of the request was in an unknown format "
                f"- accepted media types include: application/json, "
                f"{', '.join(patches.SUPPORTED)}"
            )
        raw = await request.read()
        if not raw.strip():
            if default is not None:
                return default
            raise BadRequestError("the request has no body")
        try:
            return json.loads(raw)
        except ValueError as e:
            raise BadRequestError(f"the request body is not valid JSON: {e}") from e

    @staticmethod
    def _selector(request: web.Request) -> Selector:
        return Selector.parse(
            labels=request.query.get("labelSelector"), fields=request.query.get("fieldSelector")
        )

    def _list(self, request: web.Request, definition: Definition, namespace: str | None) -> Body:
        present = _present(definition)
        items = self._store.list(definition, namespace, self._selector(request))
        return {
            "apiVersion": definition.api_version,
            "kind": definition.list_kind,
            "metadata": {"resourceVersion": str(self._store.log.last_resource_version)},
            "items": [present(item) for item in items],
        }

    async def _watch(
        self, request: web.Request, definition: Definition, address: Address
    ) -> web.StreamResponse:
        selector = self._selector(request)
        query = request.query
        since_text = query.get("resourceVersion") or ""
        send_initial = query.get("sendInitialEvents") == "true"
        try:
            since = None if since_text in ("", "0") or send_initial else int(since_text)
            timeout = float(query["timeoutSeconds"]) if "timeoutSeconds" in query else None
        except ValueError as e:
            raise BadRequestError(f"invalid watch parameters: {e}") from e

        def matches(body: Body) -> bool:
            metadata = body["metadata"]
            if address.namespace is not None and metadata.get("namespace") != address.namespace:
                return False
            if address.name is not None and metadata["name"] != address.name:
                return False
            return selector.matches(body)

        watch = watching.WatchRequest(
            storage_key=definition.storage_key,
            matches=matches,
            present=_present(definition),
            bookmark={"apiVersion": definition.api_version, "kind": definition.kind},
            since=since,
            send_initial_end=send_initial,
            bookmarks=query.get("allowWatchBookmarks") == "true",
            timeout=timeout,
            bookmark_interval=self._bookmark_interval,
        )
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        snapshot = lambda: self._store.list(definition, address.namespace, selector)  # noqa: E731
        async for batch in watching.stream(watch, log=self._store.log, snapshot=snapshot):
            await response.write(b"".join(json.dumps(event).encode() + b"\n" for event in batch))
        await response.write_eof()
        return response
