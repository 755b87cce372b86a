"""``python -m orchestra_devstack.standin --port N``: the stand-in application as a process.

Started by the dev launcher (``stacks``) on loopback; the gate proxies to it.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from orchestra_devstack.standin.apps import standin_app


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m orchestra_devstack.standin")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--work-folders", type=Path, default=None, help="the emulated cluster's work folders"
    )
    args = parser.parse_args(argv)
    web.run_app(standin_app(args.work_folders), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
