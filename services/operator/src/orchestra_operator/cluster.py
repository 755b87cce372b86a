"""A small generic client for the Kubernetes API: get, list, create, patch, delete.

The operator works with many kinds (Namespace, Deployment, Ingress, Workshop
...) as plain dicts built by pure functions, so a typed client per kind would
only get in the way. This wraps ``kubernetes_asyncio``'s ``ApiClient`` (which
knows kubeconfig and in-cluster credentials) and speaks JSON. Errors become
``ApiError`` with the HTTP status, so callers can tell 404 from 409.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp
from kubernetes_asyncio import client, config
from kubernetes_asyncio.client.exceptions import ApiException
from opentelemetry import trace

from orchestra_shared.settings import KubernetesSettings

Body = dict[str, Any]


class ApiError(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Kind:
    """Where a resource lives in the API: ``Kind("apps/v1", "deployments")``."""

    api_version: str
    plural: str
    namespaced: bool = True

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        root = "/api/v1" if self.api_version == "v1" else f"/apis/{self.api_version}"
        parts = [root]
        if self.namespaced and namespace:
            parts.append(f"namespaces/{namespace}")
        parts.append(self.plural)
        if name:
            parts.append(name)
        return "/".join(parts)


NAMESPACES = Kind("v1", "namespaces", namespaced=False)
SERVICES = Kind("v1", "services")
PVCS = Kind("v1", "persistentvolumeclaims")
PODS = Kind("v1", "pods")
EVENTS = Kind("v1", "events")
QUOTAS = Kind("v1", "resourcequotas")
LIMIT_RANGES = Kind("v1", "limitranges")
DEPLOYMENTS = Kind("apps/v1", "deployments")
INGRESSES = Kind("networking.k8s.io/v1", "ingresses")
NETWORK_POLICIES = Kind("networking.k8s.io/v1", "networkpolicies")
WORKSHOPS = Kind("orchestra.io/v1", "workshops")
LEASES = Kind("coordination.k8s.io/v1", "leases")

KIND_BY_NAME = {
    "Namespace": NAMESPACES,
    "Service": SERVICES,
    "PersistentVolumeClaim": PVCS,
    "ResourceQuota": QUOTAS,
    "LimitRange": LIMIT_RANGES,
    "Deployment": DEPLOYMENTS,
    "Ingress": INGRESSES,
    "NetworkPolicy": NETWORK_POLICIES,
    "Workshop": WORKSHOPS,
}


def _route(path: str) -> str:
    """A low-cardinality span name: namespace and object names replaced by placeholders."""
    parts = path.strip("/").split("/")
    for index, part in enumerate(parts[:-1]):
        if part == "namespaces" and index + 1 < len(parts):
            parts[index + 1] = "{namespace}"
    # /apis/g/v/namespaces/{ns}/plural/name → keep the plural, hide the name
    depth = len(parts)
    root = 2 if parts[0] == "api" else 3
    resource_index = root + (2 if depth > root and parts[root] == "namespaces" else 0)
    if depth > resource_index + 1:
        parts[resource_index + 1] = "{name}"
    return "/" + "/".join(parts)


def _namespace_of(path: str) -> str:
    parts = path.strip("/").split("/")
    if "namespaces" in parts:
        index = parts.index("namespaces")
        if index + 1 < len(parts):
            return parts[index + 1]
    return ""


def _api_error(status: int, reason: str, body: bytes | str | None) -> ApiError:
    """An ``ApiError`` from a Kubernetes ``Status`` body (or whatever else came back)."""
    try:
        detail = json.loads(body or "{}")
    except ValueError:
        detail = {}
    if not isinstance(detail, dict):
        detail = {}
    return ApiError(
        status,
        str(detail.get("reason") or reason),
        str(detail.get("message") or body or ""),
    )


async def load_configuration(settings: KubernetesSettings) -> client.Configuration:
    configuration = client.Configuration()
    if settings.kubeconfig is not None:
        await config.load_kube_config(
            config_file=str(settings.kubeconfig),
            context=settings.kube_context,
            client_configuration=configuration,
        )
    else:
        config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    return configuration


def _ignore_environment(api: client.ApiClient) -> None:
    """Take the connection from the kubeconfig (or the pod) only, as Kopf's watches do.

    kubernetes_asyncio's session trusts the environment, so aiohttp looks for a
    ``~/.netrc`` in a worker thread on every request: a thread hand-over and a file
    read that cost a launch's reconciles more CPU than their own work. A proxy is
    still honoured when the kubeconfig names one (``proxy-url``), per request.
    """
    rest = api.rest_client
    trusting: aiohttp.ClientSession = rest.pool_manager
    rest.pool_manager = aiohttp.ClientSession(
        connector=trusting.connector,
        trust_env=False,
        read_bufsize=2**21,  # as kubernetes_asyncio sets it: watch events can be large
    )
    trusting.detach()


class Cluster:
    def __init__(self, api: client.ApiClient) -> None:
        self.api = api

    @classmethod
    async def connect(cls, settings: KubernetesSettings) -> Cluster:
        api = client.ApiClient(await load_configuration(settings))
        _ignore_environment(api)
        return cls(api)

    async def close(self) -> None:
        await self.api.close()

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: list[tuple[str, str]] | None = None,
        content_type: str = "application/json",
    ) -> Body:
        """One API request; a client span when it happens inside a traced launch."""
        if not trace.get_current_span().is_recording():
            return await self._request(
                method, path, body=body, query=query, content_type=content_type
            )
        with trace.get_tracer("orchestra.operator").start_as_current_span(
            f"{method} {_route(path)}",
            kind=trace.SpanKind.CLIENT,
            attributes={
                "http.request.method": method,
                "url.path": path,
                "server.address": str(self.api.configuration.host),
                "k8s.namespace.name": _namespace_of(path),
            },
        ) as span:
            try:
                result = await self._request(
                    method, path, body=body, query=query, content_type=content_type
                )
            except ApiError as error:
                span.set_attribute("http.response.status_code", error.status)
                raise
            return result

    async def _request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: list[tuple[str, str]] | None = None,
        content_type: str = "application/json",
    ) -> Body:
        try:
            response = await self.api.call_api(
                path,
                method,
                query_params=query or [],
                header_params={"Accept": "application/json", "Content-Type": content_type},
                body=body,
                auth_settings=["BearerToken"],
                _preload_content=False,
            )
        except ApiException as error:
            raise _api_error(int(error.status or 0), str(error.reason), error.body) from error
        data = await response.read()
        # Without preloading, the client hands back error responses instead of raising.
        if response.status >= 400:
            raise _api_error(response.status, str(response.reason), data)
        return json.loads(data) if data else {}

    async def get(self, kind: Kind, name: str, namespace: str | None = None) -> Body | None:
        try:
            return await self._call("GET", kind.path(namespace, name))
        except ApiError as error:
            if error.status == 404:
                return None
            raise

    async def list(
        self,
        kind: Kind,
        namespace: str | None = None,
        *,
        labels: str | None = None,
        fields: str | None = None,
    ) -> list[Body]:
        query = [("labelSelector", labels)] if labels else []
        if fields:
            query.append(("fieldSelector", fields))
        result = await self._call("GET", kind.path(namespace), query=query)
        return list(result.get("items", []))

    async def create(self, kind: Kind, body: Body) -> Body:
        namespace = body.get("metadata", {}).get("namespace")
        return await self._call("POST", kind.path(namespace), body=body)

    async def patch(
        self,
        kind: Kind,
        name: str,
        patch: Body,
        namespace: str | None = None,
        *,
        status: bool = False,
    ) -> Body:
        path = kind.path(namespace, name) + ("/status" if status else "")
        return await self._call(
            "PATCH", path, body=patch, content_type="application/merge-patch+json"
        )

    async def delete(
        self,
        kind: Kind,
        name: str,
        namespace: str | None = None,
        *,
        resource_version: str | None = None,
    ) -> bool:
        """Delete in the background (children follow through garbage collection).

        With ``resource_version``, only that version of the object is deleted
        (409 if it changed since it was read): decide on what you read, or not at all.
        """
        options: Body = {
            "kind": "DeleteOptions",
            "apiVersion": "v1",
            "propagationPolicy": "Background",
        }
        if resource_version is not None:
            options["preconditions"] = {"resourceVersion": resource_version}
        try:
            await self._call("DELETE", kind.path(namespace, name), body=options)
        except ApiError as error:
            if error.status == 404:
                return False
            raise
        return True
