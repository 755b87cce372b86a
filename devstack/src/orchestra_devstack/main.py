"""``orchestra-dev``: the launcher behind ``make dev``.

Starts the whole platform on loopback (see ``stacks.py``), prints where the
dashboard and the API are and how to reach them, and stops everything on Ctrl-C or SIGTERM. With
``--kubeconfig`` it uses a real cluster (kind) instead of the emulated one;
nothing else changes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

from orchestra_devstack.processes import ProcessError
from orchestra_devstack.reviving import Reviver
from orchestra_devstack.stacks import SERVICES, PortInUseError, StackOptions, start_stack
from orchestra_devstack.tracecollecting import TraceCollector

EMULATED_BANNER = (
    "The Kubernetes API is EMULATED: workshops go through every phase, but no pod runs;\n"
    "a fake kubelet marks Deployments available after {delay}s."
)


RBAC_BANNER = (
    "It enforces the chart's RBAC: a request a service's rules do not grant answers 403\n"
    "(what was used and refused: GET /_devstack/rbac on the cluster; --no-rbac turns it off)."
)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="orchestra-dev", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--api-port",
        type=int,
        default=int(os.environ.get("ORCHESTRA_API_PORT", "8000")),
        help="port of the API (default: $ORCHESTRA_API_PORT or 8000)",
    )
    parser.add_argument(
        "--dashboard-port",
        type=int,
        default=int(os.environ.get("ORCHESTRA_DASHBOARD_PORT", "8080")),
        help="port of the dashboard and the dev sign-in (default: $ORCHESTRA_DASHBOARD_PORT or 8080)",
    )
    parser.add_argument(
        "--gate-port",
        type=int,
        default=int(os.environ.get("ORCHESTRA_GATE_PORT", "8090")),
        help="port of the workshop gate, http://{instance}.localhost:PORT/ "
        "(default: $ORCHESTRA_GATE_PORT or 8090)",
    )
    parser.add_argument("--workdir", type=Path, default=Path(".devstack"))
    parser.add_argument("--kubeconfig", type=Path, help="use this real cluster instead")
    parser.add_argument("--kube-context")
    parser.add_argument("--kubelet-delay", type=float, default=2.0)
    parser.add_argument(
        "--no-rbac",
        dest="rbac",
        action="store_false",
        help="let every request to the emulated cluster through, instead of enforcing the "
        "chart's RBAC with a ServiceAccount per service",
    )
    parser.add_argument(
        "--no-traces",
        dest="traces",
        action="store_false",
        help="do not collect the services' spans (set OTEL_EXPORTER_OTLP_ENDPOINT for your own)",
    )
    parser.add_argument(
        "--stop-with",
        type=int,
        metavar="PID",
        help="stop when this process ends (make passes itself: it does not forward SIGTERM)",
    )
    return parser.parse_args(argv)


def say(text: str) -> None:
    print(text, flush=True)


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    collector: TraceCollector | None = None
    common_env: dict[str, str] = {}
    if args.traces and not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        collector = TraceCollector()
        await collector.start()
        common_env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "500",
        }
    options = StackOptions(
        root=Path.cwd(),
        workdir=args.workdir.resolve(),
        api_port=args.api_port,
        dashboard_port=args.dashboard_port,
        gate_port=args.gate_port,
        kubeconfig=args.kubeconfig,
        kube_context=args.kube_context,
        kubelet_delay=args.kubelet_delay,
        enforce_rbac=args.rbac,
        common_env=common_env,
    )
    print("orchestra-dev: starting NATS, Postgres, the cluster and the services ...", flush=True)
    stack = await start_stack(options)
    reviver = Reviver()
    try:
        print(f"\n  Dashboard:  {stack.dashboard_url}/  (open it; sign in as the dev page offers)")
        print(f"  API:        {stack.api_url}", flush=True)
        print(
            f"  Workshops:  {stack.gate_url}  (behind the gate; Open in the dashboard leads "
            "there, to a stand-in application)"
        )
        print(
            f"  kubeconfig: {stack.kubeconfig}  (KUBECONFIG={stack.kubeconfig} kubectl get ws -A)"
        )
        print(f"  NATS:       {stack.nats.url}  (as admin; each service has its own user)")
        print(f"  Postgres:   {stack.postgres.dsn}")
        print(
            f"  logs:       {options.workdir}/{{{','.join((*SERVICES, 'standin', 'dashboard'))}}}.log"
        )
        for service, url in stack.metrics_urls.items():
            print(f"  metrics:    {url}  ({service})")
        if collector is not None:
            print(f"  traces:     {collector.endpoint}/traces  (then /traces/<X-Trace-Id>)")
        for service, path in stack.service_kubeconfigs.items():
            print(f"  kubeconfig: {path}  ({service}'s ServiceAccount, as the chart grants it)")
        if stack.emulated:
            print("\n" + EMULATED_BANNER.format(delay=args.kubelet_delay))
            if stack.service_kubeconfigs:
                print(RBAC_BANNER)
        print("\nCtrl-C stops everything.", flush=True)
        while not stop.is_set():
            if args.stop_with and not process_exists(args.stop_with):
                print(f"orchestra-dev: process {args.stop_with} ended", flush=True)
                stop.set()
            for process in stack.processes.values():
                dead = not process.running and not stop.is_set()
                if dead and not await reviver.revive(process, report=say):
                    stop.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)
    finally:
        print("\norchestra-dev: stopping ...", flush=True)
        await stack.stop()
        if collector is not None:
            await collector.stop()
        print("orchestra-dev: stopped.", flush=True)


def run(argv: list[str] | None = None) -> None:
    args = parse_arguments(sys.argv[1:] if argv is None else argv)
    try:
        asyncio.run(serve(args))
    except (PortInUseError, ProcessError) as error:
        print(f"orchestra-dev: {error}", file=sys.stderr)
        raise SystemExit(1) from None
