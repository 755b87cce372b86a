"""What each process of the dev stack is told: its settings, by its own env prefix.

Pure, so the launcher and the tests build exactly the same environments; the
learner-facing addresses (dashboard, gate, stand-in) and the gate's secrets are
chosen once per stack (``choose_front``) before anything starts, because several
services name them. Used by ``stacks.start_stack``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from orchestra_devstack.probes import LOOPBACK, free_port
from orchestra_devstack.rendering import NAMESPACE, RELEASE

if TYPE_CHECKING:
    from orchestra_devstack.stacks import StackOptions

# The gate publishes its activity reports only (docs/src/content/docs/decisions/0060).
BUS_USERS = ("api", "operator", "sync", "expiry", "gate")


@dataclass(frozen=True)
class Front:
    """The learner-facing addresses, chosen before anything starts (services name them)."""

    dashboard_port: int
    gate_port: int
    standin_port: int
    ticket_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    session_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def dashboard_url(self) -> str:
        return f"http://{LOOPBACK}:{self.dashboard_port}"


def choose_front(options: StackOptions) -> Front:
    return Front(
        dashboard_port=options.dashboard_port or free_port(),
        gate_port=options.gate_port or free_port(),
        standin_port=free_port(),
    )


def service_environment(
    options: StackOptions,
    *,
    nats_url: str,
    nats_passwords: Mapping[str, str],
    dsn: str,
    kubeconfig: Path,
    emulated: bool,
    front: Front,
    service_kubeconfigs: Mapping[str, Path] | None = None,
) -> dict[str, dict[str, str]]:
    """Each service's settings, by its own env prefix (pure; the launcher prints none of it).

    Each service that uses the bus connects to NATS as its own user (docs/src/content/docs/decisions/0054); each
    that uses the Kubernetes API, with its own ServiceAccount's kubeconfig when the
    emulated cluster enforces RBAC (``service_kubeconfigs``), and then the operator's
    Lease is the one its Role names, in the release namespace (``rendering``)."""
    accounts = dict(service_kubeconfigs or {})

    def kube(service: str) -> dict[str, str]:
        settings = {"KUBECONFIG": str(accounts.get(service, kubeconfig))}
        if options.kube_context and service not in accounts:
            settings["KUBE_CONTEXT"] = options.kube_context
        return settings

    lease = (
        {"LEASE_NAMESPACE": NAMESPACE, "LEASE_NAME": f"{RELEASE}-operator"}
        if "operator" in accounts
        else {}
    )
    per_service = {
        "api": {
            "NATS_URL": nats_url,
            "DATABASE_DSN": dsn,
            "HOST": LOOPBACK,
            "PORT": str(options.api_port),
            "CATALOG_DIR": str(options.catalog),
            "CLUSTER_KIND": "emulated" if emulated else "real",
            **({"CATALOG_PROFILES": str(options.profiles)} if options.profiles else {}),
            # The sign-in proxy on loopback is the only way to the api, and it replaces
            # any identity header a browser sends: the header topology of ADR 0051.
            "IDENTITY": "trusted-headers",
            "ENVIRONMENT": "development",
            "GATE_TICKET_SECRET": front.ticket_secret,
        },
        # Workshops are http://{instance}.localhost:{gate port}/: Chromium and curl resolve
        # *.localhost to loopback, and the gate answers there (docs/src/content/docs/architecture/gate.md).
        # The operator runs only templates of its own catalog (docs/src/content/docs/decisions/0052): the api's files.
        "operator": {
            "NATS_URL": nats_url,
            "CATALOG_DIR": str(options.catalog),
            **({"CATALOG_PROFILES": str(options.profiles)} if options.profiles else {}),
            "BASE_DOMAIN": "localhost",
            "URL_SCHEME": "http",
            "URL_PORT": str(front.gate_port),
            **kube("operator"),
            **lease,
        },
        "sync": {"NATS_URL": nats_url, "DATABASE_DSN": dsn, **kube("sync")},
        "expiry": {"NATS_URL": nats_url, "DATABASE_DSN": dsn},
        # No pod runs on the emulated cluster: every admitted workshop goes to the stand-in.
        "gate": {
            "NATS_URL": nats_url,
            "DATABASE_DSN": dsn,
            "DATABASE_POOL_SIZE": "2",
            "ENVIRONMENT": "development",
            "HOST": LOOPBACK,
            "PORT": str(front.gate_port),
            "BASE_DOMAIN": "localhost",
            "COOKIE_SECURE": "false",
            "TICKET_SECRET": front.ticket_secret,
            "SESSION_SECRET": front.session_secret,
            "UPSTREAM": f"http://{LOOPBACK}:{front.standin_port}",
            "OPEN_URL": front.dashboard_url + "/api/v1/instances/{instance}/open",
        },
    }
    for service, port in options.metrics_ports.items():
        per_service[service].update({"METRICS_HOST": LOOPBACK, "METRICS_PORT": str(port)})
    for service in BUS_USERS:
        per_service[service].update(
            {"NATS_USER": service, "NATS_PASSWORD": nats_passwords[service]}
        )
    environment: dict[str, dict[str, str]] = {}
    for service, values in per_service.items():
        prefix = f"ORCHESTRA_{service.upper()}_"
        # One group for every service (docs/src/content/docs/decisions/0060): the dev stack keeps its learners'
        # exported work in its own folder; tests override it through ``common_env``.
        env = {
            "ORCHESTRA_ARCHIVES_BACKEND": "filesystem",
            "ORCHESTRA_ARCHIVES_DIRECTORY": str(options.workdir / "archives"),
            **options.common_env,
        }
        env.update({prefix + key: value for key, value in values.items()})
        env.update(options.service_env.get(service, {}))
        environment[service] = env
    return environment
