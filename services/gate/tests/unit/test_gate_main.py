"""Start-up: the installed gate refuses placeholder secrets outside development, saying why."""

import os
import subprocess
import sys
from pathlib import Path


def test_placeholder_secrets_stop_the_installed_command() -> None:
    command = Path(sys.executable).parent / "orchestra-gate"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRA_")}
    done = subprocess.run(
        [str(command)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "ticket_secret is a placeholder" in done.stderr
    assert "Traceback" not in done.stderr
