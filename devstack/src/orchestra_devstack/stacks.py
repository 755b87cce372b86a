"""The whole platform on loopback: infrastructure plus the four services, as processes.

Used by ``make dev`` (through ``main.py``) and by the end-to-end tests, so
both run exactly the same thing. ``start_stack`` starts NATS, Postgres and
(unless a real cluster's kubeconfig is given) the emulated Kubernetes API,
migrates the database, then starts api, operator, sync, expiry and the workshop
gate (with the stand-in application behind it, since no pod runs) with their
settings in the environment. The emulated cluster enforces the chart's own RBAC
(``rendering``, ``cluster/enforcing``): operator and sync each talk to it with their
own ServiceAccount's kubeconfig, and ``Stack.kubeconfig`` is the administrator's.
``Stack.service(name)`` gives one process to kill or restart for fault tests.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import os
import socket
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from orchestra_devstack.environments import Front, choose_front, service_environment
from orchestra_devstack.natsservers import NatsServer, start_nats
from orchestra_devstack.postgresservers import PostgresServer, start_postgres
from orchestra_devstack.probes import LOOPBACK, file_exists, free_port, http_ok
from orchestra_devstack.processes import ManagedProcess, ProcessExitedEarlyError
from orchestra_devstack.rendering import NAMESPACE, RELEASE, write_rbac
from orchestra_devstack.supervising import Supervisor
from orchestra_shared.migrating import upgrade_database_async

SERVICES = ("api", "operator", "sync", "expiry", "gate")
KUBERNETES_CLIENTS = ("operator", "sync")
"""The services that talk to the Kubernetes API, each as its own ServiceAccount."""


@dataclass(frozen=True)
class StackOptions:
    root: Path
    """The repository root: the CRD and the default catalog are read from the chart there."""
    workdir: Path
    """Logs, the JetStream store, the Postgres data and the kubeconfig go here."""
    api_port: int = 8000
    dashboard_port: int | None = None
    """Port of the dashboard and sign-in (the learner's URL); None picks a free one."""
    gate_port: int | None = None
    """Port of the workshop gate: workshops are ``http://{instance}.localhost:PORT/``."""
    kubeconfig: Path | None = None
    """A real cluster's kubeconfig; None starts the emulated cluster."""
    kube_context: str | None = None
    enforce_rbac: bool = True
    """The emulated cluster authorizes every request by the chart's rendered RBAC."""
    kubelet_delay: float = 1.0
    failing_images: Mapping[str, str] = field(default_factory=dict)
    catalog_dir: Path | None = None
    profiles_file: Path | None = None
    """Overlay of security profiles; None: the chart's, when the catalog is the chart's."""
    service_env: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Extra environment per service, e.g. ``{"expiry": {"ORCHESTRA_EXPIRY_TICK": "0.1"}}``."""
    common_env: Mapping[str, str] = field(default_factory=dict)
    """Environment for every service, e.g. the standard ``OTEL_*`` variables."""
    metrics_ports: Mapping[str, int] = field(
        default_factory=lambda: {name: free_port() for name in SERVICES if name != "api"}
    )
    """Port of /metrics for each service with no HTTP server of its own."""

    @property
    def crd(self) -> Path:
        return self.root / "charts" / "orchestra" / "crds" / "workshops.yaml"

    @property
    def dashboard_dir(self) -> Path:
        return self.root / "frontend" / "dist"

    @property
    def catalog(self) -> Path:
        return self.catalog_dir or self.root / "charts" / "orchestra" / "files" / "templates"

    @property
    def profiles(self) -> Path | None:
        if self.profiles_file is not None or self.catalog_dir is not None:
            return self.profiles_file
        return self.root / "charts" / "orchestra" / "files" / "security-profiles.yaml"


@dataclass
class Stack:
    supervisor: Supervisor
    nats: NatsServer
    postgres: PostgresServer
    kubeconfig: Path
    """The administrator's (the cluster's own, or the one given)."""
    emulated: bool
    api_url: str
    dashboard_url: str
    """The dashboard and the api under one origin, with the development sign-in."""
    processes: dict[str, ManagedProcess]
    metrics_urls: dict[str, str]
    gate_url: str
    """``http://{instance}.localhost:PORT/``: where Ready workshops are, behind the gate."""
    service_kubeconfigs: dict[str, Path] = field(default_factory=dict)
    """Each Kubernetes client's own ServiceAccount kubeconfig, when RBAC is enforced."""

    def service(self, name: str) -> ManagedProcess:
        return self.processes[name]

    async def stop(self) -> None:
        await self.supervisor.stop_all()


def _bin(name: str) -> str:
    """An entry point of this virtualenv (next to the running interpreter)."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def service_account_kubeconfigs(options: StackOptions) -> dict[str, Path]:
    """Where the cluster writes each Kubernetes client's kubeconfig (empty: no RBAC)."""
    if not options.enforce_rbac:
        return {}
    return {service: options.workdir / f"kubeconfig-{service}" for service in KUBERNETES_CLIENTS}


def work_folders(options: StackOptions) -> Path:
    """The emulated workshops' files: kept by the fake kubelet, written by the stand-in,
    read by the operator's export through pods/exec (docs/src/content/docs/decisions/0060)."""
    return options.workdir / "work-folders"


async def start_emulated_cluster(options: StackOptions, supervisor: Supervisor) -> Path:
    kubeconfig = options.workdir / "kubeconfig"
    ready = options.workdir / "cluster.ready"
    ready.unlink(missing_ok=True)
    argv = [
        sys.executable, "-m", "orchestra_devstack.cluster",
        "--host", LOOPBACK,
        "--port", str(free_port()),
        "--crd", str(options.crd),
        "--kubeconfig", str(kubeconfig),
        "--ready-file", str(ready),
        "--kubelet-delay", str(options.kubelet_delay),
        "--work-folders", str(work_folders(options)),
    ]  # fmt: skip
    for pattern, reason in options.failing_images.items():
        argv += ["--fail-image", f"{pattern}={reason}"]
    accounts = service_account_kubeconfigs(options)
    if accounts:
        manifest = write_rbac(options.root, options.workdir / "rbac.yaml")
        argv += ["--enforce-rbac", "--manifest", str(manifest)]
        for service, path in accounts.items():
            path.unlink(missing_ok=True)
            argv += ["--service-account-kubeconfig", f"{NAMESPACE}/{RELEASE}-{service}={path}"]
    await supervisor.start(
        ManagedProcess(
            "cluster",
            argv,
            log_path=options.workdir / "cluster.log",
            health=file_exists(ready),
        )
    )
    return kubeconfig


async def start_standin(
    options: StackOptions,
    supervisor: Supervisor,
    front: Front,
    processes: dict[str, ManagedProcess],
) -> None:
    """The stand-in workshop application the gate sends every admitted learner to."""
    url = f"http://{LOOPBACK}:{front.standin_port}"
    argv = [sys.executable, "-m", "orchestra_devstack.standin", "--host", LOOPBACK,
            "--port", str(front.standin_port),
            "--work-folders", str(work_folders(options))]  # fmt: skip
    processes["standin"] = await supervisor.start(
        ManagedProcess(
            "standin",
            argv,
            log_path=options.workdir / "standin.log",
            health=http_ok(f"{url}/_standin/request"),
        )
    )


async def start_sign_in_proxy(
    options: StackOptions,
    supervisor: Supervisor,
    api_url: str,
    processes: dict[str, ManagedProcess],
    front: Front,
) -> str:
    """The learner's front door (``signin``): the dashboard, the api, a dev sign-in page."""
    port = front.dashboard_port
    url = front.dashboard_url
    argv = [
        sys.executable, "-m", "orchestra_devstack.signin",
        "--api-url", api_url,
        "--dashboard-dir", str(options.dashboard_dir),
        "--host", LOOPBACK,
        "--port", str(port),
    ]  # fmt: skip
    processes["dashboard"] = await supervisor.start(
        ManagedProcess(
            "dashboard",
            argv,
            log_path=options.workdir / "dashboard.log",
            health=http_ok(f"{url}/oauth2/healthz"),
        )
    )
    return url


PORT_ATTEMPTS = 3


def port_was_taken(log_tail: str, service: str) -> bool:
    """Whether the last start of ``service`` (its log appends across starts) died on a port
    that something else bound first: free when the stack chose it, taken when it bound."""
    last_start = log_tail.rpartition(f"--- {service}: start #")[2]
    return "address already in use" in last_start.lower()


def _metrics_url(options: StackOptions, service: str) -> str:
    return f"http://{LOOPBACK}:{options.metrics_ports[service]}/metrics"


class PortInUseError(RuntimeError):
    """The API's port is taken (often: another ``make dev`` still running)."""


def ensure_port_free(port: int, *, setting: str = "ORCHESTRA_API_PORT") -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the servers bind: connections of a stack just stopped (TIME_WAIT) do not count,
        # only a server listening there now; else a second `make dev` fails for a minute.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError as error:
            raise PortInUseError(
                f"port {port} on {LOOPBACK} is in use (is another `make dev` running?); "
                f"stop it or choose another port with {setting}"
            ) from error


async def _start_service(
    service: str,
    options: StackOptions,
    supervisor: Supervisor,
    environment: Callable[[StackOptions], Mapping[str, Mapping[str, str]]],
    api_url: str,
) -> tuple[ManagedProcess, int | None]:
    """Start one service until healthy; returns it and the metrics port it got."""
    for attempt in range(1, PORT_ATTEMPTS + 1):
        process = ManagedProcess(
            service,
            [_bin(f"orchestra-{service}")],
            log_path=options.workdir / f"{service}.log",
            env={**os.environ, **environment(options)[service]},
            cwd=options.root,
            health=http_ok(
                f"{api_url}/healthz" if service == "api" else _metrics_url(options, service)
            ),
        )
        try:
            await supervisor.start(process)
        except ProcessExitedEarlyError as error:
            if service not in options.metrics_ports or attempt == PORT_ATTEMPTS:
                raise
            if not port_was_taken(error.log_tail, service):
                raise
            # Its metrics port, free when chosen, was taken before it bound it.
            ports = {**options.metrics_ports, service: free_port()}
            options = dataclasses.replace(options, metrics_ports=ports)
        else:
            return process, options.metrics_ports.get(service)
    raise AssertionError("unreachable: the last attempt returns or raises")


async def start_stack(options: StackOptions) -> Stack:
    ensure_port_free(options.api_port)
    if options.dashboard_port:
        ensure_port_free(options.dashboard_port, setting="ORCHESTRA_DASHBOARD_PORT")
    if options.gate_port:
        ensure_port_free(options.gate_port, setting="ORCHESTRA_GATE_PORT")
    front = choose_front(options)
    unported = {s: free_port() for s in SERVICES if s != "api" and s not in options.metrics_ports}
    if unported:
        options = dataclasses.replace(options, metrics_ports={**options.metrics_ports, **unported})
    options.workdir.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor()
    try:
        nats = await start_nats(workdir=options.workdir / "nats")
        supervisor.track(nats)
        postgres = await start_postgres(workdir=options.workdir / "postgres")
        supervisor.track(postgres)
        await upgrade_database_async(postgres.dsn)
        emulated = options.kubeconfig is None
        accounts = service_account_kubeconfigs(options) if emulated else {}
        kubeconfig = (
            await start_emulated_cluster(options, supervisor)
            if options.kubeconfig is None
            else options.kubeconfig
        )
        api_url = f"http://{LOOPBACK}:{options.api_port}"
        processes: dict[str, ManagedProcess] = {}
        await start_standin(options, supervisor, front, processes)
        environment = functools.partial(
            service_environment,
            nats_url=nats.address,
            nats_passwords=nats.passwords,
            dsn=postgres.dsn,
            kubeconfig=kubeconfig,
            service_kubeconfigs=accounts,
            emulated=emulated,
            front=front,
        )
        # The services wait for one another on their own (NATS, the schema, the stream):
        # they start side by side, each with its own metrics port.
        started = {
            service: asyncio.create_task(
                _start_service(service, options, supervisor, environment, api_url)
            )
            for service in SERVICES
        }
        try:
            await asyncio.gather(*started.values())
        except BaseException:  # the first failure, as it is; the other starts end with it
            for task in started.values():
                task.cancel()
            await asyncio.gather(*started.values(), return_exceptions=True)
            raise
        ports = {**options.metrics_ports}
        for service, task in started.items():
            processes[service], port = task.result()
            if port is not None:
                ports[service] = port
        options = dataclasses.replace(options, metrics_ports=ports)
        metrics_urls = {"api": f"{api_url}/metrics"} | {
            name: _metrics_url(options, name) for name in options.metrics_ports
        }
        dashboard_url = await start_sign_in_proxy(options, supervisor, api_url, processes, front)
    except BaseException:
        await supervisor.stop_all()
        raise
    return Stack(
        supervisor=supervisor,
        nats=nats,
        postgres=postgres,
        kubeconfig=kubeconfig,
        emulated=emulated,
        api_url=api_url,
        dashboard_url=dashboard_url,
        processes=processes,
        metrics_urls=metrics_urls,
        gate_url=f"http://{{instance}}.localhost:{front.gate_port}/",
        service_kubeconfigs=accounts,
    )
