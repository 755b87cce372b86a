"""
``python -m orchestra_devstack.cluster``: the emulated cluster as a process.

The dev launcher runs this in the foreground of its own process: it writes the
kubeconfig (the administrator's) and one per ``--service-account-kubeconfig``, then
the ready file (containing the URL) once the server answers, and exits with 0 on
SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import ssl
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import aiohttp

from orchestra_devstack.cluster.serving import EmulatedCluster

logger = logging.getLogger("orchestra_devstack.cluster")


def _failing_image(text: str) -> tuple[str, str]:
    pattern, sep, reason = text.rpartition("=")
    if not sep or not pattern or not reason:
        raise argparse.ArgumentTypeError(f"expected PATTERN=REASON, got {text!r}")
    return pattern, reason


def _account_kubeconfig(text: str) -> tuple[tuple[str, str], Path]:
    account, sep, path = text.partition("=")
    namespace, slash, name = account.partition("/")
    if not sep or not slash or not namespace or not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAMESPACE/NAME=PATH, got {text!r}")
    return (namespace, name), Path(path)


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m orchestra_devstack.cluster",
        description="Serve an emulated Kubernetes API (kmock + conformance layer) on loopback.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--crd",
        action="append",
        default=[],
        type=Path,
        help="a CustomResourceDefinition YAML file (repeatable)",
    )
    parser.add_argument(
        "--manifest",
        action="append",
        default=[],
        type=Path,
        help="a YAML file of objects to create at start, e.g. the chart's RBAC (repeatable)",
    )
    parser.add_argument(
        "--enforce-rbac",
        action="store_true",
        help="authenticate every request and authorize it by the cluster's RBAC objects",
    )
    parser.add_argument(
        "--service-account-kubeconfig",
        action="append",
        default=[],
        type=_account_kubeconfig,
        metavar="NAMESPACE/NAME=PATH",
        help="write a kubeconfig with that ServiceAccount's token (repeatable; --enforce-rbac)",
    )
    parser.add_argument("--kubeconfig", type=Path, required=True)
    parser.add_argument(
        "--ready-file",
        type=Path,
        required=True,
        help="written with the URL once the server answers",
    )
    parser.add_argument(
        "--kubelet-delay",
        type=float,
        default=1.0,
        help="seconds until a Deployment becomes available (or fails)",
    )
    parser.add_argument(
        "--progress-deadline",
        type=float,
        default=5.0,
        help="seconds from a failure to ProgressDeadlineExceeded",
    )
    parser.add_argument(
        "--fail-image",
        action="append",
        default=[],
        type=_failing_image,
        metavar="PATTERN=REASON",
        help="fnmatch image pattern and ImagePullBackOff, ErrImagePull, "
        "CrashLoopBackOff or Unschedulable (repeatable)",
    )
    parser.add_argument(
        "--work-folders",
        type=Path,
        default=None,
        help="where each running workshop's stand-in work folder is kept (read by pods/exec)",
    )
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


async def _wait_until_answering(url: str, context: ssl.SSLContext | None) -> None:
    connector = aiohttp.TCPConnector(ssl=context) if context is not None else None
    async with aiohttp.ClientSession(connector=connector) as session:
        for _ in range(100):
            try:
                async with session.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"The emulated cluster at {url} does not answer.")


def run_epoch() -> int:
    """The first resourceVersion of a cluster started now: microseconds since 1970.

    The emulated cluster keeps nothing between runs, but Postgres (and sync's resume
    point in it) does. Versions that restarted at 1 would look older than what sync
    recorded in the previous run: sync would wait on a watch from the "future" and
    take every Workshop of the earlier run for still there. Starting above any
    version an earlier run can have handed out (it would need more than one write a
    microsecond) makes the new cluster look like what it is: later, with the earlier
    Workshops gone, and a resume from before it answered with 410 Gone (a relist).
    """
    return time.time_ns() // 1000


async def serve(arguments: argparse.Namespace) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    async with EmulatedCluster(
        host=arguments.host,
        port=arguments.port,
        crd_paths=arguments.crd,
        kubelet_delay=arguments.kubelet_delay,
        progress_deadline=arguments.progress_deadline,
        failing_images=dict(arguments.fail_image),
        first_resource_version=run_epoch(),
        manifest_paths=arguments.manifest,
        enforce_rbac=arguments.enforce_rbac,
        work_folders=arguments.work_folders,
    ) as cluster:
        cluster.write_kubeconfig(arguments.kubeconfig)
        for account, path in arguments.service_account_kubeconfig:
            cluster.write_kubeconfig(path, service_account=account)
        await _wait_until_answering(cluster.url, cluster.client_ssl_context())
        ready = Path(arguments.ready_file)
        ready.parent.mkdir(parents=True, exist_ok=True)
        temporary = ready.with_name(ready.name + ".tmp")
        temporary.write_text(cluster.url + "\n", encoding="utf-8")
        temporary.replace(ready)
        logger.info("The emulated cluster serves at %s", cluster.url)
        await stopping.wait()
        logger.info("Stopping the emulated cluster.")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    logging.basicConfig(
        level=arguments.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        asyncio.run(serve(arguments))
    except ValueError as e:  # e.g. an unknown failure reason
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
