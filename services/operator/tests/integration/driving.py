"""Driving the operator in integration tests: an emulated cluster, NATS, operator processes.

The cluster runs in the test's event loop (``EmulatedCluster``, real HTTP, a
fake kubelet failing chosen images); NATS is the pinned server; each operator
is the real ``orchestra-operator`` command in a process of its own (Kopf,
faststream, the Lease), so tests can kill -9 one and start another. The
settings are short (sub-second resyncs, a 5-second Lease) but every wait is
a poll with a generous deadline: the machines are shared and slow at times.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import nats
import yaml
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from prometheus_client.parser import text_string_to_metric_families

from orchestra_devstack.cluster.serving import EmulatedCluster
from orchestra_devstack.probes import free_port
from orchestra_devstack.processes import ManagedProcess
from orchestra_operator.cluster import (
    EVENTS,
    LEASES,
    WORKSHOPS,
    Cluster,
)
from orchestra_shared import subjects
from orchestra_shared.events import DeadLetter, Event, LaunchRequested, encode_event
from orchestra_shared.names import instance_name, random_suffix
from orchestra_shared.owners import is_pool_owner, learner_namespace, pool_namespace

Body = dict[str, Any]
T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[4]
CRD = ROOT / "charts" / "orchestra" / "crds" / "workshops.yaml"
OPERATOR = Path(sys.executable).parent / "orchestra-operator"
BASE_DOMAIN = "workshops.test"
WAIT = 40.0
"""Seconds any one expectation may take: far above what it needs, because the
machine is shared; a passing test never waits this long."""

GOOD_IMAGE = "registry.test/jupyter:1"
FAILING_IMAGES = {
    "registry.test/pull-fails:*": "ImagePullBackOff",
    "registry.test/crashes:*": "CrashLoopBackOff",
    "registry.test/too-big:*": "Unschedulable",
}
FAILING_TEMPLATE_BY_REASON = {
    "ImagePullBackOff": "pull-fails",
    "CrashLoopBackOff": "crashes",
    "Unschedulable": "too-big",
}


def _template(slug: str, image: str = GOOD_IMAGE, **fields: object) -> dict[str, object]:
    return {
        "name": f"Test {slug}",
        "slug": slug,
        "description": "A template of the operator's integration tests.",
        "image": image,
        "defaultDuration": "2h",
        "port": 8888,
        "env": {"JUPYTER_ENABLE_LAB": "yes"},
        "resources": {"cpu": "1", "memory": "2Gi", "cpuRequest": "250m", "memoryRequest": "1Gi"},
        "startupTimeout": "60s",
        **fields,
    }


TEMPLATES = [
    _template("jupyter"),
    _template("jupyter-large", tier="large"),
    _template("jupyter-scratch", storage={"size": "1Gi"}),
    _template("jupyter-workspace", storage={"size": "1Gi", "workspace": {"persist": "per-user"}}),
    _template("pull-fails", "registry.test/pull-fails:1", startupTimeout="2s"),
    _template("crashes", "registry.test/crashes:1", startupTimeout="2s"),
    _template("too-big", "registry.test/too-big:1", startupTimeout="2s"),
    _template("slow-start", "registry.test/too-big:1", startupTimeout="1s"),
    _template("short", maxDuration="3h"),
    _template("retired", enabled=False),
    _template("root-init", securityProfile="root-init"),  # as the RStudio images need
]
"""The operator's catalog in these tests: it runs nothing else (docs/src/content/docs/decisions/0052)."""


def write_catalog(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for template in TEMPLATES:
        text = yaml.safe_dump(template, sort_keys=False)
        (directory / f"{template['slug']}.yaml").write_text(text, encoding="utf-8")
    return directory


LEASE_DURATION = 5
FAST_SETTINGS = {
    "BASE_DOMAIN": BASE_DOMAIN,
    "RECONCILE_INTERVAL": "0.3",
    "STEADY_INTERVAL": "1",
    "FAILED_RETENTION": "3",
    "DEADLINE_GRACE": "1",
    "NAMESPACE_GRACE": "1",
    "COMMANDS_ACK_WAIT": "3",
    "LEASE_DURATION": str(LEASE_DURATION),
    "LEASE_RENEW_INTERVAL": "0.5",
    "LEASE_RENEW_DEADLINE": "4",
    "TIERS": (
        '{"small": {}, "large": {"node_selector": {"orchestra.io/pool": "large"},'
        ' "tolerations": [{"key": "orchestra.io/large", "operator": "Exists",'
        ' "effect": "NoSchedule"}], "priority_class": "workshop-large"}}'
    ),
}


def new_owner() -> str:
    return f"learner-{uuid.uuid4().hex[:8]}@example.org"


def launch_event(
    *,
    template: str = "jupyter",
    owner: str | None = None,
    instance: str | None = None,
    expires_in: timedelta = timedelta(hours=2),
    startup_timeout: int = 60,
) -> LaunchRequested:
    """A launch as the api sends it: a slug and a deadline, nothing about what to run."""
    owner = owner or new_owner()
    expires_at = datetime.now(UTC).replace(microsecond=0) + expires_in
    return LaunchRequested(
        instance=instance or instance_name(template, "it", random_suffix()),
        owner=owner,
        template_slug=template,
        expires_at=expires_at,
        startup_timeout_seconds=startup_timeout,
    )


@dataclass
class World:
    """Everything a test talks to; ``operators`` are stopped when the module ends."""

    cluster: EmulatedCluster
    kube: Cluster
    kubeconfig: Path
    nats_url: str
    client: NatsClient
    js: JetStreamContext
    workdir: Path
    catalog: Path
    operators: list[ManagedProcess] = field(default_factory=list)
    metrics_ports: dict[str, int] = field(default_factory=dict)

    def operator(
        self, identity: str, *, environment: Mapping[str, str] | None = None, **settings: str
    ) -> ManagedProcess:
        """An operator process (not started) named ``identity`` in the Lease and its Events;
        ``environment``: variables of other groups (``ORCHESTRA_ARCHIVES_*``)."""
        env = {
            **(environment or {}),
            "ORCHESTRA_OPERATOR_NATS_URL": self.nats_url,
            "ORCHESTRA_OPERATOR_KUBECONFIG": str(self.kubeconfig),
            "ORCHESTRA_OPERATOR_CATALOG_DIR": str(self.catalog),
            "ORCHESTRA_OPERATOR_IDENTITY": identity,
            "ORCHESTRA_OPERATOR_METRICS_HOST": "127.0.0.1",
            "ORCHESTRA_OPERATOR_METRICS_PORT": str(
                self.metrics_ports.setdefault(identity, free_port())
            ),
            **{f"ORCHESTRA_OPERATOR_{key}": value for key, value in FAST_SETTINGS.items()},
            **{f"ORCHESTRA_OPERATOR_{key.upper()}": value for key, value in settings.items()},
        }
        process = ManagedProcess(
            f"operator-{identity}",
            [str(OPERATOR)],
            log_path=self.workdir / f"operator-{identity}.log",
            env=env,
            cwd=ROOT,
        )
        self.operators.append(process)
        return process

    async def metrics(self, identity: str) -> dict[str, float]:
        """The operator's /metrics, parsed: ``{'name{label="v",...}': value}``."""
        port = self.metrics_ports[identity]
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/metrics") as response,
        ):
            text = await response.text()
        samples: dict[str, float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels_ = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
                samples[f"{sample.name}{{{labels_}}}"] = sample.value
        return samples

    async def start_leader(
        self, identity: str, *, environment: Mapping[str, str] | None = None, **settings: str
    ) -> ManagedProcess:
        process = self.operator(identity, environment=environment, **settings)
        await process.start()
        await self.wait_for(
            lambda: self.lease_holder(settings.get("lease_name")),
            until=lambda holder: holder == identity,
            what=f"{identity} to lead",
        )
        return process

    async def stop_operators(self) -> None:
        for process in self.operators:
            await process.stop()
        self.operators.clear()

    async def publish(self, event: Event, *, msg_id: str | None = None) -> None:
        subject = subjects.SUBJECT_BY_TYPE[event.type]  # type: ignore[attr-defined]
        await self.publish_raw(subject, encode_event(event), msg_id=msg_id or str(event.event_id))

    async def publish_raw(self, subject: str, data: bytes, *, msg_id: str) -> None:
        await self.js.publish(subject, data, headers={"Nats-Msg-Id": msg_id})

    async def workshop(self, event: LaunchRequested) -> Body | None:
        return await self.kube.get(WORKSHOPS, event.instance, namespace_of(event))

    async def phase_of(self, event: LaunchRequested) -> tuple[str | None, str | None]:
        body = await self.workshop(event)
        status = (body or {}).get("status") or {}
        return status.get("phase"), status.get("reason")

    async def wait_for_phase(self, event: LaunchRequested, phase: str) -> Body:
        async def probe() -> Body | None:
            return await self.workshop(event)

        found = await self.wait_for(
            probe,
            until=lambda body: ((body or {}).get("status") or {}).get("phase") == phase,
            what=f"{event.instance} to be {phase}",
        )
        assert found is not None
        return found

    async def wait_until_gone(self, event: LaunchRequested) -> None:
        await self.wait_for(
            lambda: self.workshop(event), until=lambda body: body is None, what="deletion"
        )

    async def events_of(self, event: LaunchRequested) -> list[Body]:
        """Kubernetes Events about the Workshop, oldest first."""
        events = await self.kube.list(EVENTS, namespace_of(event))
        mine = [e for e in events if e["involvedObject"]["name"] == event.instance]
        return sorted(mine, key=lambda e: int(e["metadata"]["resourceVersion"]))

    async def event_reasons(self, event: LaunchRequested) -> list[str]:
        return [e["reason"] for e in await self.events_of(event)]

    async def wait_for_event(self, event: LaunchRequested, reason: str) -> list[Body]:
        """The Workshop's Events once one has ``reason``. A step's Event is recorded after
        the write it tells of, so seeing the write does not mean its Event is there yet."""
        return await self.wait_for(
            lambda: self.events_of(event),
            until=lambda events: any(e["reason"] == reason for e in events),
            what=f"a {reason} event",
        )

    async def lease_holder(self, name: str | None = None) -> str | None:
        lease = await self.kube.get(LEASES, name or "orchestra-operator", "default")
        holder: str | None = ((lease or {}).get("spec") or {}).get("holderIdentity")
        return holder

    async def dead_letters(self) -> list[DeadLetter]:
        """Every dead letter the operator's consumer published so far."""
        subject = subjects.dead_letter_subject(subjects.OPERATOR_COMMANDS.durable)
        subscription = await self.js.subscribe(
            subject, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
        )
        letters = []
        try:
            while True:
                message = await subscription.next_msg(timeout=0.5)
                letters.append(DeadLetter.model_validate_json(message.data))
        except nats.errors.TimeoutError:
            pass
        finally:
            await subscription.unsubscribe()
        return letters

    async def wait_for(
        self,
        probe: Callable[[], Awaitable[T]],
        *,
        until: Callable[[T], bool],
        what: str,
        timeout: float = WAIT,
    ) -> T:
        """Poll ``probe`` until ``until(result)``; fail with the last result and operator logs."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            last = await probe()
            if until(last):
                return last
            if loop.time() >= deadline:
                logs = "\n".join(f"--- {p.name}:\n{p.log_tail(15)}" for p in self.operators)
                raise AssertionError(f"timed out waiting for {what}; last: {last!r}\n{logs}")
            await asyncio.sleep(0.2)


def namespace_of(event: LaunchRequested) -> str:
    if is_pool_owner(event.owner):
        return pool_namespace(
            event.instance
        )  # a warm instance's own (docs/src/content/docs/decisions/0070)
    return learner_namespace(event.owner)
