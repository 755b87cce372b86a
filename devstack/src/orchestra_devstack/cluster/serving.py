"""
The emulated cluster as one object: an HTTP server on loopback, its
controllers, and a kubeconfig for clients.

Who calls it: the dev launcher (through ``python -m orchestra_devstack.cluster``)
and test fixtures (``async with EmulatedCluster(...) as cluster``).

What kmock (0.8) gives: ``KubernetesEmulator`` with its discovery endpoints
(``/``, ``/api``, ``/apis``, ``/apis/<group>/<version>``) filled from the
bundled built-in resources, its ``Status`` error rendering for unknown paths,
and its ``ObjectsArray`` in which objects and their histories are kept.
What we add in front of it (an aiohttp application that hands non-resource
paths to kmock): all resource requests (``conforming`` over ``storing``),
watches (``watching``), the garbage collector (``collecting``), the fake kubelet
(``kubelet``), ``pods/exec`` of the operator's export (``executing``), what a real server refuses (``validating``), RBAC when asked for
(``enforcing``), ``/version``, ``/healthz`` and control endpoints: for the kubelet
(``GET|POST|DELETE /_devstack/kubelet/failing-images``) and for what RBAC allowed and
refused (``GET|DELETE /_devstack/rbac``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ssl
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import attrs
import kmock
import yaml
from aiohttp import web

from orchestra_devstack.cluster import certificates, kubeconfigs
from orchestra_devstack.cluster.addresses import Address, parse_address
from orchestra_devstack.cluster.collecting import GarbageCollector
from orchestra_devstack.cluster.conforming import ResourceHandler
from orchestra_devstack.cluster.definitions import Registry, read_crd_files
from orchestra_devstack.cluster.enforcing import Enforcer, refusal
from orchestra_devstack.cluster.errors import ApiError
from orchestra_devstack.cluster.executing import Executor
from orchestra_devstack.cluster.kubelet import FakeKubelet
from orchestra_devstack.cluster.storing import CRDS, NAMESPACES, ObjectStore
from orchestra_devstack.cluster.watching import EventLog

NAME_PREFIX = "orchestra-emulated-"
VERSION = {
    "major": "1",
    "minor": "35",
    "gitVersion": "v1.35.0-orchestra-emulated",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2025-12-17T00:00:00Z",
    "goVersion": "go1.25.5",
    "compiler": "gc",
    "platform": "linux/amd64",
}


@attrs.define(kw_only=True)
class DiscoveringEmulator(kmock.KubernetesEmulator):
    """kmock's emulator, with its resource discovery made acceptable to kubectl.

    kmock names the core group version ``/v1`` and gives subresources their
    resource's short names (kubectl then warns on every ``get ws``).
    """

    async def _serve_version(self, request: Any) -> Any:
        document = await super()._serve_version(request)
        if isinstance(document, dict):
            document["groupVersion"] = document.get("groupVersion", "").lstrip("/")
            for resource in document.get("resources", []):
                if "/" in resource.get("name", ""):  # subresources have no names of their own
                    resource.update(
                        shortNames=[], singularName="", verbs=["get", "patch", "update"]
                    )
        return document


def request_kind(request: web.Request, address: Address) -> str:
    """``verb resource[/subresource]``, e.g. ``watch pods``, ``patch workshops/status``."""
    if request.method == "GET":
        verb = (
            "watch"
            if request.query.get("watch") in ("true", "1")
            else ("get" if address.name else "list")
        )
    else:
        verb = request.method.lower()
    resource = address.plural + (f"/{address.subresource}" if address.subresource else "")
    return f"{verb} {resource}"


class EmulatedCluster:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        crd_paths: Iterable[Path | str] = (),
        kubelet_delay: float = 1.0,
        failing_images: Mapping[str, str] | None = None,
        progress_deadline: float = 5.0,
        kubelet: bool = True,
        gc_delay: float = 0.0,
        event_log_capacity: int = 10_000,
        first_resource_version: int = 1,
        bookmark_interval: float = 30.0,
        strict_namespaces: bool = True,
        validation: bool = True,
        manifest_paths: Iterable[Path | str] = (),
        enforce_rbac: bool = False,
        work_folders: Path | None = None,
    ) -> None:
        """
        ``kubelet_delay``: seconds until a new or changed Deployment gets its status.
        ``failing_images``: fnmatch pattern -> ImagePullBackOff, ErrImagePull,
        CrashLoopBackOff or Unschedulable. ``progress_deadline``: seconds from a
        failure showing until ProgressDeadlineExceeded. ``event_log_capacity``:
        how many changes watches can resume from (older versions get 410).
        ``first_resource_version``: the first version this cluster hands out; the dev
        stack starts each run's cluster above every earlier run's (``run_epoch``).
        ``strict_namespaces``: refuse to create objects in absent namespaces.
        ``validation``: refuse (422) what a real API server refuses: names, labels, and
        fields against the kind's schema (``validating``).
        ``manifest_paths``: YAML files whose objects exist from the start (as after a
        ``helm install --create-namespace``), e.g. the chart's ServiceAccounts and RBAC.
        ``enforce_rbac``: authenticate and authorize every API request (``enforcing``),
        over HTTPS with a certificate of its own (``certificates``).
        ``work_folders``: where the fake kubelet keeps each running workshop's stand-in
        work folder (``{work_folders}/{workshop}``), which ``pods/exec`` tars
        (``executing``); None: exec answers an empty archive.
        """
        self._host = host
        self._port = port
        self._crd_paths = [Path(p) for p in crd_paths]
        self._manifest_paths = [Path(p) for p in manifest_paths]
        self._bookmark_interval = bookmark_interval
        self._gc_delay = gc_delay
        self.emulator: Any = DiscoveringEmulator()
        self.registry = Registry(discovery=self.emulator.resources)
        self.log = EventLog(
            capacity=event_log_capacity, first_resource_version=first_resource_version
        )
        self.store = ObjectStore(
            registry=self.registry,
            objects=self.emulator.objects,
            log=self.log,
            strict_namespaces=strict_namespaces,
            validation=validation,
        )
        self.kubelet: FakeKubelet | None = (
            FakeKubelet(
                store=self.store,
                delay=kubelet_delay,
                failing_images=failing_images,
                progress_deadline=progress_deadline,
                work_folders=work_folders,
            )
            if kubelet
            else None
        )
        self.executor = Executor(store=self.store, work_folders=work_folders)
        self.enforcer: Enforcer | None = Enforcer(store=self.store) if enforce_rbac else None
        self.certificate: certificates.ServingCertificate | None = None
        # Requests served, by verb and resource: what the operator costs an API server
        # (bench/burst.py reads them from /_devstack/requests).
        self.requests: collections.Counter[str] = collections.Counter()
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._url: str | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("The emulated cluster is not running.")
        return self._url

    def write_kubeconfig(
        self, path: Path | str, *, service_account: tuple[str, str] | None = None
    ) -> Path:
        """A kubeconfig for the administrator, or for ``(namespace, name)``'s ServiceAccount.

        Without RBAC enforcement both carry the dummy token every request may use."""
        if self.enforcer is None or self.certificate is None:
            return kubeconfigs.write_kubeconfig(Path(path), self.url)
        ca = self.certificate.ca_pem
        if service_account is None:
            return kubeconfigs.write_kubeconfig(
                Path(path), self.url, token=self.enforcer.tokens.admin, ca_pem=ca
            )
        namespace, name = service_account
        if not self.enforcer.service_account_exists(namespace, name):
            raise ValueError(f"no ServiceAccount {namespace}/{name} (is it in a --manifest?)")
        token = self.enforcer.tokens.token_for(namespace, name)
        return kubeconfigs.write_kubeconfig(
            Path(path),
            self.url,
            name=f"{NAME_PREFIX}{name}",
            namespace=namespace,
            token=token,
            ca_pem=ca,
        )

    def client_ssl_context(self) -> ssl.SSLContext | None:
        """For callers in this process: trusts the cluster's certificate (None: plain HTTP)."""
        if self.certificate is None:
            return None
        return ssl.create_default_context(cadata=self.certificate.ca_pem.decode("ascii"))

    def _declare_resources(self) -> None:
        self.registry.load_builtins()
        self.store.ensure_initial_namespaces()
        crd_definition = self.registry.find(*CRDS)
        assert crd_definition is not None
        for crd in read_crd_files(self._crd_paths):
            self.store.create(crd_definition, None, crd)
        if self.enforcer is not None:
            self.enforcer.load_bootstrap_policy()
        for path in self._manifest_paths:
            self._load_manifests(path)

    def _load_manifests(self, path: Path) -> None:
        """Create every object of a YAML file, and the namespaces they go in."""
        namespaces = self.registry.find(*NAMESPACES)
        assert namespaces is not None
        with path.open(encoding="utf-8") as f:
            documents = [d for d in yaml.safe_load_all(f) if isinstance(d, dict)]
        for document in documents:
            definition = self.registry.find_kind(
                str(document.get("apiVersion")), str(document.get("kind"))
            )
            if definition is None:
                raise ValueError(f"{path}: no resource serves {document.get('kind')!r}")
            namespace = (document.get("metadata") or {}).get("namespace")
            if definition.namespaced:
                namespace = namespace or "default"
                if all(
                    n["metadata"]["name"] != namespace for n in self.store.list(namespaces, None)
                ):
                    self.store.create(namespaces, None, {"metadata": {"name": namespace}})
            self.store.create(definition, namespace if definition.namespaced else None, document)

    def _application(self) -> web.Application:
        resources = ResourceHandler(
            store=self.store, registry=self.registry, bookmark_interval=self._bookmark_interval
        )

        async def route(request: web.Request) -> web.StreamResponse:
            address = parse_address(request.path, self.registry)
            if self.enforcer is not None:
                try:
                    self.enforcer.check(request, address)
                except ApiError as error:
                    return refusal(error)
            if address is not None:
                self.requests[request_kind(request, address)] += 1
                if address.plural == "pods" and address.subresource == "exec":
                    try:
                        return await self.executor(request, address)
                    except ApiError as error:
                        return refusal(error)
                return await resources(request, address)
            response: web.StreamResponse = await self.emulator(request)
            return response

        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/livez", self._healthz)
        app.router.add_get("/readyz", self._healthz)
        app.router.add_get("/version", self._version)
        app.router.add_route("*", "/_devstack/kubelet/failing-images", self._failing_images)
        app.router.add_route("*", "/_devstack/requests", self._requests)
        if self.enforcer is not None:
            app.router.add_route("*", "/_devstack/rbac", self.enforcer.serve_usage)
        app.router.add_route("*", "/{tail:.*}", route)
        return app

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def _version(self, request: web.Request) -> web.Response:
        return web.json_response(VERSION)

    async def _requests(self, request: web.Request) -> web.Response:
        """The request counts so far (GET), and start counting afresh (DELETE); with them,
        how many live objects the cluster holds (a cost that must not grow with it)."""
        if request.method not in ("GET", "DELETE"):
            return web.json_response({"error": "use GET or DELETE"}, status=405)
        counts = dict(sorted(self.requests.items()))
        if request.method == "DELETE":
            self.requests.clear()
        stored = sum(1 for _ in self.store.items())
        return web.json_response({"requests": counts, "objects": stored})

    async def _failing_images(self, request: web.Request) -> web.Response:
        """The control endpoint: list, add (POST pattern+reason), remove (DELETE ?pattern=)."""
        if self.kubelet is None:
            return web.json_response({"error": "the fake kubelet is disabled"}, status=404)
        if request.method == "POST":
            data = await request.json()
            try:
                self.kubelet.add_failing_image(str(data["pattern"]), str(data["reason"]))
            except (KeyError, TypeError, ValueError) as e:
                return web.json_response({"error": str(e)}, status=400)
        elif request.method == "DELETE":
            self.kubelet.remove_failing_image(request.query.get("pattern", ""))
        elif request.method != "GET":
            return web.json_response({"error": "use GET, POST or DELETE"}, status=405)
        return web.json_response({"failingImages": self.kubelet.failing_images})

    async def __aenter__(self) -> Self:
        await self.emulator.__aenter__()
        self._declare_resources()
        self._runner = web.AppRunner(
            self._application(),
            access_log=None,
            shutdown_timeout=1.0,
            handler_cancellation=True,  # end watches whose clients went away
        )
        await self._runner.setup()
        server_context = None
        if self.enforcer is not None:
            self.certificate = certificates.issue(self._host)
            server_context = self.certificate.server_context()
        site = web.TCPSite(self._runner, self._host, self._port, ssl_context=server_context)
        await site.start()
        port = self._runner.addresses[0][1]
        host = f"[{self._host}]" if ":" in self._host else self._host
        scheme = "https" if server_context is not None else "http"
        self._url = f"{scheme}://{host}:{port}"
        collector = GarbageCollector(store=self.store, delay=self._gc_delay)
        self._tasks.append(asyncio.create_task(collector.run(), name="garbage collector"))
        if self.kubelet is not None:
            self._tasks.append(asyncio.create_task(self.kubelet.run(), name="fake kubelet"))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._url = None
        await self.emulator.__aexit__(exc_type, exc, traceback)
