"""Composition root of the operator: Kopf for Workshops, faststream for commands, one loop.

``run`` reads settings and the template catalog (a bad catalog stops it, as
it stops the api: the operator builds Workshops only from it, docs/src/content/docs/decisions/0052),
connects to the Kubernetes API (kubeconfig or in-cluster), waits to lead (the
Lease, docs/src/content/docs/decisions/0010), makes sure the JetStream stream exists, then runs four
things until SIGTERM: Kopf (watch-driven reconciles), the command consumer, the
periodic resync and the Lease renewal. Losing the Lease ends the process (exit status 1) so that it
restarts as a follower.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from contextlib import suppress
from types import SimpleNamespace
from typing import Any

import kopf

from orchestra_operator.cluster import Cluster
from orchestra_operator.config import OperatorSettings
from orchestra_operator.dispatching import Lanes
from orchestra_operator.electing import Leadership
from orchestra_operator.errors import LeadershipLost
from orchestra_operator.exporting import ExecReader, Exporter
from orchestra_operator.handlers import workshops
from orchestra_operator.reconciling import Reconciler
from orchestra_operator.resyncing import resync_forever
from orchestra_operator.subscribers import build_broker
from orchestra_operator.tombstones import open_tombstones
from orchestra_shared import streaming
from orchestra_shared.archiving import open_store
from orchestra_shared.catalogs import Catalog, CatalogError, load_catalog
from orchestra_shared.retrying import Backoff
from orchestra_shared.running import run_service, stop_on_signals
from orchestra_shared.telemetry import configure_logging

log = logging.getLogger(__name__)
LANES_GRACE = 5.0
"""Seconds a stopping operator lets the commands in hand finish (then they are redelivered)."""
KOPF_GRACE = 10.0
"""Seconds Kopf gets to stop its watches and handlers once told to (then it is cancelled)."""


def kopf_login(cluster: Cluster) -> kopf.ConnectionInfo:
    """Kopf connects with the same credentials as our client (kubeconfig or in-cluster)."""
    configuration = cluster.api.configuration
    token = (configuration.api_key or {}).get("authorization") or (configuration.api_key or {}).get(
        "BearerToken"
    )
    if token and token.lower().startswith("bearer "):
        token = token[7:]
    return kopf.ConnectionInfo(
        server=str(configuration.host),
        ca_path=configuration.ssl_ca_cert,
        insecure=not configuration.verify_ssl,
        token=token,
        certificate_path=configuration.cert_file,
        private_key_path=configuration.key_file,
    )


async def wait_for_stream(settings: OperatorSettings) -> None:
    """The stream must exist before the durable consumer is declared; NATS may be late."""
    client = await streaming.connect(settings, backoff=Backoff(0.2, 5.0))
    await client.close()


async def serve(settings: OperatorSettings, catalog: Catalog, stop: asyncio.Event) -> None:
    """Run until ``stop`` is set; raises ``LeadershipLost`` when the Lease slips away.

    A replica first waits for the leader Lease; only then does it start Kopf,
    the command consumer and the resync (docs/src/content/docs/decisions/0010), so a follower does
    nothing at all but wait.
    """
    cluster = await Cluster.connect(settings)
    leadership = Leadership(cluster, settings) if settings.leader_election else None
    try:
        if leadership is not None and not await leadership.acquire(stop):
            return
        await _act(settings, catalog, stop, cluster, leadership)
    finally:
        if leadership is not None:
            await leadership.release()
        await cluster.close()
        log.info("operator stopped")


def open_exporter(settings: OperatorSettings, cluster: Cluster) -> Exporter | None:
    """The reader and store of exports (docs/src/content/docs/decisions/0060); None when archives are off."""
    store = open_store(settings.archives)
    if store is None:
        return None
    return Exporter(
        reader=ExecReader(cluster.api.configuration),
        store=store,
        attempts=settings.export_attempts,
        timeout=settings.export_timeout,
    )


async def _act(
    settings: OperatorSettings,
    catalog: Catalog,
    stop: asyncio.Event,
    cluster: Cluster,
    leadership: Leadership | None,
) -> None:
    reconciler = Reconciler(cluster, settings)
    registry = kopf.OperatorRegistry()
    workshops.register(registry, reconciler)

    @kopf.on.login(registry=registry)
    def login(**_: Any) -> kopf.ConnectionInfo:
        return kopf_login(cluster)

    @kopf.on.startup(registry=registry)
    def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
        settings.posting.level = logging.WARNING  # our own Events tell the story
        settings.persistence.finalizer = "orchestra.io/kopf"
        settings.persistence.diffbase_storage = workshops.NoDiffBase()
        # The resources are known (the CRD is installed before the operator starts): no
        # watch of CustomResourceDefinitions, so the operator needs no right to read them.
        settings.scanning.disabled = True
        # Filter on the server: a real cluster's Pods are not ours to stream.
        for group, _version, plural, _kind in workshops.CHILD_KINDS:
            settings.watching.label_selectors[group, plural] = workshops.CHILDREN

    # The stream must exist before the durable consumer is declared; NATS may be late.
    nats_client = await streaming.connect(settings, backoff=Backoff(0.2, 5.0))
    tombstones = await open_tombstones(nats_client.jetstream(), ttl=settings.tombstone_ttl)
    exporter = open_exporter(settings, cluster)
    lanes = Lanes(settings.commands_concurrency)
    broker = build_broker(settings, cluster, catalog, tombstones, exporter, lanes)
    await broker.start()
    kopf_stop: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    kopf_ready = asyncio.Event()
    kopf_task = asyncio.create_task(
        kopf.operator(
            registry=registry,
            clusterwide=True,
            standalone=True,  # the Lease decides who acts, not Kopf's peering
            stop_flag=kopf_stop,
            ready_flag=kopf_ready,
            memo=SimpleNamespace(),
        ),
        name="kopf",
    )
    tasks = [
        asyncio.create_task(resync_forever(cluster, reconciler, settings, exporter), name="resync"),
    ]
    if leadership is not None:
        tasks.append(asyncio.create_task(leadership.keep(), name="leadership"))
    waiter = asyncio.create_task(stop.wait(), name="stop")
    try:
        ready = asyncio.create_task(kopf_ready.wait(), name="kopf ready")
        await asyncio.wait([ready, kopf_task, waiter], return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        # Kopf takes SIGTERM and SIGINT for itself once started, and on them it stops on
        # its own: it waits five seconds for every task it did not start (our consumer's
        # among them), cancels them and re-raises what they raise. Ours stop in order.
        stop_on_signals(stop)
        if kopf_ready.is_set():  # not when Kopf failed or a stop came first
            log.info("operator started", extra={"identity": settings.identity})
        done, _ = await asyncio.wait(
            [waiter, kopf_task, *tasks], return_when=asyncio.FIRST_COMPLETED
        )
        for task in done:
            if task is not waiter and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        # Commands first (those in hand finish, the rest stay in the stream), then Kopf,
        # which then has nothing of ours left to wait for, then the rest.
        await lanes.close(grace=LANES_GRACE)
        await broker.stop()
        if not kopf_stop.done():
            kopf_stop.set_result(None)
        with suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(kopf_task, timeout=KOPF_GRACE)
        await nats_client.close()
        if exporter is not None:
            await exporter.store.close()
            if isinstance(exporter.reader, ExecReader):
                await exporter.reader.close()
        for task in [waiter, *tasks]:
            task.cancel()
        for task in [waiter, *tasks]:
            with suppress(asyncio.CancelledError, Exception):
                await task


def read_catalog(settings: OperatorSettings) -> Catalog:
    """The catalog the operator builds from; its problems are printed and stop the process."""
    try:
        catalog = load_catalog(settings.catalog_dir, profiles=settings.catalog_profiles)
    except CatalogError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(
            f"orchestra-operator: the template catalog in {settings.catalog_dir} has errors; "
            "not starting",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    log.info("catalog loaded", extra={"templates": len(catalog.templates)})
    return catalog


def run() -> None:
    settings = OperatorSettings()
    configure_logging("operator")  # again in run_service; here so the catalog's line shows
    catalog = read_catalog(settings)
    try:
        run_service("operator", settings, lambda stop: serve(settings, catalog, stop))
    except LeadershipLost as lost:
        log.error("leadership lost; exiting", extra={"error": str(lost)})
        raise SystemExit(1) from lost
