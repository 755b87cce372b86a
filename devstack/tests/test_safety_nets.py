"""Nothing outlives its owner: servers nobody closed die with the interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

StillAlive = Callable[[Iterable[int]], list[int]]

FORGETFUL_SCRIPT = """
import asyncio, json
from orchestra_devstack.natsservers import start_nats
from orchestra_devstack.postgresservers import start_postgres
from orchestra_devstack.processtrees import descendants

async def main():
    global kept  # still referenced at exit: only the atexit net can clean up
    kept = [await start_nats(), await start_postgres()]
    pids = [p for s in kept for p in [s.pid, *descendants(s.pid)]]
    dirs = [str(kept[0].store_dir.parent), str(kept[1].data_dir.parent)]
    print(json.dumps({"pids": pids, "dirs": dirs}))

asyncio.run(main())
"""


def test_servers_left_running_are_killed_and_removed_at_exit(still_alive: StillAlive) -> None:
    result = subprocess.run(
        [sys.executable, "-c", FORGETFUL_SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    left = json.loads(result.stdout)
    assert len(left["pids"]) > 2
    deadline = time.monotonic() + 60  # SIGKILL was sent at exit; the kernel finishes it
    while still_alive(left["pids"]):
        assert time.monotonic() < deadline, "the safety net's SIGKILL never took effect"
        time.sleep(0.02)
    assert not any(Path(path).exists() for path in left["dirs"])
