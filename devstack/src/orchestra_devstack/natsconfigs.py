"""nats-server configuration rendered from the permissions contract.

``orchestra_shared.permissions`` says who may do what on the bus; this module
writes it in the server's own configuration syntax, for the three places a
NATS server runs: the dev stack and the tests (passwords made up per server,
written into the file), docker compose (``deploy/nats/auth.conf``, passwords
read from the container's environment) and the NATS release beside the chart
(the official NATS chart's ``config.merge`` in ``deploy/nats/values.yaml``,
passwords from Secrets through ``<< $VAR >>``).
``tests/packaging`` checks that the committed copies equal this rendering;
``python -m orchestra_devstack.natsconfigs compose|chart`` prints them.
"""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from orchestra_shared.permissions import USERS, authorization


@dataclass(frozen=True)
class EnvReference:
    """A value the server reads from its environment when it loads the file."""

    variable: str


def password_variable(user: str) -> str:
    """The environment variable holding ``user``'s password (compose and chart)."""
    return f"ORCHESTRA_NATS_{user.upper()}_PASSWORD"


def made_up_passwords() -> dict[str, str]:
    """Fresh passwords for a throwaway server (URL-safe: the admin's goes into a URL)."""
    return {user: secrets.token_hex(16) for user in USERS}


def _conf_value(value: Any, indent: int) -> str:
    pad = "  " * (indent + 1)
    if isinstance(value, EnvReference):
        return f"${value.variable}"
    if isinstance(value, Mapping):
        items = "".join(f"{pad}{key}: {_conf_value(v, indent + 1)}\n" for key, v in value.items())
        return "{\n" + items + "  " * indent + "}"
    if isinstance(value, list | tuple):
        items = "".join(f"{pad}{_conf_value(v, indent + 1)}\n" for v in value)
        return "[\n" + items + "  " * indent + "]"
    return json.dumps(value)


def render_conf(passwords: Mapping[str, str | EnvReference]) -> str:
    """The ``authorization`` block in nats-server syntax (an include file or a whole config)."""
    header = "# Generated from orchestra_shared.permissions (docs/src/content/docs/decisions/0054); do not edit.\n"
    return header + "authorization: " + _conf_value(authorization(passwords), 0) + "\n"


def compose_conf() -> str:
    """docker compose's copy: each password from the nats container's environment."""
    return render_conf({user: EnvReference(password_variable(user)) for user in USERS})


def chart_merge() -> dict[str, Any]:
    """The official NATS chart's ``config.merge``: the chart writes ``<< $VAR >>`` unquoted
    into nats.conf, and the variables come from Secrets (``container.env``)."""
    return authorization({user: f"<< ${password_variable(user)} >>" for user in USERS})


def write_conf(path: Path, passwords: Mapping[str, str]) -> Path:
    """A config with literal passwords, readable by its owner only."""
    path.write_text(render_conf(passwords))
    path.chmod(0o600)
    return path


def main(argv: list[str] | None = None) -> None:
    what = (sys.argv[1:] if argv is None else argv)[:1]
    if what == ["compose"]:
        sys.stdout.write(compose_conf())
    elif what == ["chart"]:
        sys.stdout.write(yaml.safe_dump({"authorization": chart_merge()}, sort_keys=False))
    else:
        raise SystemExit("usage: python -m orchestra_devstack.natsconfigs compose|chart")


if __name__ == "__main__":
    main()
