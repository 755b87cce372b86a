"""``python -m orchestra_devstack.signin``: the development sign-in proxy as a process.

Run by the dev launcher (``stacks``); serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from orchestra_devstack.signin.proxying import NotLoopbackError, SignInProxy, require_loopback


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m orchestra_devstack.signin",
        description="Development sign-in, the dashboard and the api behind one loopback origin.",
    )
    parser.add_argument("--api-url", required=True, help="where the api listens")
    parser.add_argument("--dashboard-dir", type=Path, required=True, help="the built dashboard")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--admin-group", default="orchestra-admins")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_arguments(argv)
    try:
        require_loopback(args.host)
    except NotLoopbackError as error:
        print(f"orchestra-devstack signin: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    proxy = SignInProxy(
        api_url=args.api_url.rstrip("/"),
        dashboard_dir=args.dashboard_dir,
        admin_group=args.admin_group,
    )
    web.run_app(proxy.app(), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
