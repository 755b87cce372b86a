"""The ``orchestra`` command: the composition root that parses arguments and dispatches.

Catalog authors run it while writing templates, and the catalog's CI runs it on every pull
request; ``sessions launch`` starts a session (or waits in line for one) through the api. Each subcommand lives in a module named for what it does (``validating``,
``exporting``, ``rendering``); this module only wires them to the command line, so
``run(["templates", "validate"])`` in a test exercises exactly what a user types.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from orchestra_cli import exporting, launching, rendering, validating
from orchestra_cli.locating import CATALOG_PATH, CatalogNotFound, find_catalog


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: the process's) and return the exit status."""
    parser = _parser()
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as leaving:  # argparse leaves on --help and on usage errors
        return leaving.code if isinstance(leaving.code, int) else 2
    out, err = sys.stdout, sys.stderr
    try:
        if arguments.group == "sessions":
            return _sessions(arguments, out, err)
        match arguments.command:
            case "validate":
                directory = arguments.directory or find_catalog(Path.cwd())
                return validating.validate(
                    directory, output=arguments.format, out=out, profiles=arguments.profiles
                )
            case "schema":
                target = None
                if arguments.write:
                    catalog = arguments.catalog or find_catalog(Path.cwd())
                    target = catalog / exporting.SCHEMA_FILE_NAME
                return exporting.export_schema(target, out=out)
            case "render":
                return rendering.render(
                    arguments.file, owner=arguments.owner, name=arguments.name, out=out, err=err
                )
    except CatalogNotFound as error:
        print(f"orchestra: {error}", file=err)
        return 2
    except BrokenPipeError:
        # The reader went away (`... | head`): not an error of ours, and no traceback.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush quiet
        return 0
    parser.print_help(err)
    return 2


def _sessions(arguments: argparse.Namespace, out: Any, err: Any) -> int:
    if not arguments.api:
        print("orchestra: --api URL (or ORCHESTRA_API_URL) is needed", file=err)
        return 2
    headers: dict[str, str] = {}
    token = arguments.token or os.environ.get("ORCHESTRA_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    elif arguments.as_email:  # the dev stack's trusted-header identity
        headers["X-Auth-Request-Email"] = arguments.as_email
    client = launching.Client(arguments.api, headers)
    if arguments.command == "launch":
        return launching.launch(
            client,
            arguments.template,
            duration=arguments.duration,
            wait=arguments.wait,
            out=out,
            err=err,
        )
    return launching.leave(client, arguments.ticket, out=out, err=err)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orchestra", description="Orchestra platform tools.")
    groups = parser.add_subparsers(dest="group", required=True, metavar="GROUP")
    templates = groups.add_parser("templates", help="check and inspect workshop templates")
    commands = templates.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate",
        help="check every template of a catalog",
        description="Check every template file of DIR; exit 1 if anything is wrong.",
    )
    validate.add_argument(
        "directory",
        metavar="DIR",
        nargs="?",
        type=Path,
        help=f"catalog directory (default: {CATALOG_PATH} here or in a parent directory)",
    )
    validate.add_argument(
        "--format",
        choices=validating.FORMATS,
        default="text",
        help="'text': file:line: field: message; 'github': workflow annotations",
    )
    validate.add_argument(
        "--profiles",
        metavar="FILE",
        type=Path,
        default=None,
        help=(
            "the platform's overlay of security profiles "
            f"(default: {validating.OVERLAY_FILE_NAME} beside DIR, if there is one)"
        ),
    )

    schema = commands.add_parser(
        "schema",
        help="print the template JSON Schema",
        description="Print the JSON Schema of a template file, or update the committed copy.",
    )
    schema.add_argument(
        "--write",
        action="store_true",
        help=f"write it to {exporting.SCHEMA_FILE_NAME} in the catalog instead of printing it",
    )
    schema.add_argument(
        "--catalog", metavar="DIR", type=Path, help=f"catalog for --write (default: {CATALOG_PATH})"
    )

    render = commands.add_parser(
        "render",
        help="print the Workshop a launch from a template would create",
        description="Print, as YAML, the Workshop resource a launch from FILE would create.",
    )
    render.add_argument("file", metavar="FILE", type=Path, help="a template file")
    render.add_argument(
        "--owner",
        metavar="EMAIL",
        default=rendering.DEFAULT_OWNER,
        help=f"the learner launching it (default: {rendering.DEFAULT_OWNER})",
    )
    render.add_argument(
        "--name", metavar="NAME", help="instance name (default: one generated as at launch)"
    )
    _sessions_parser(groups)
    return parser


def _sessions_parser(groups: Any) -> None:
    sessions = groups.add_parser("sessions", help="launch a session, or wait in line for one")
    commands = sessions.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--api",
        metavar="URL",
        default=os.environ.get("ORCHESTRA_API_URL"),
        help="the platform's address (default: $ORCHESTRA_API_URL)",
    )
    common.add_argument(
        "--token", metavar="TOKEN", help="a signed identity token (default: $ORCHESTRA_TOKEN)"
    )
    common.add_argument(
        "--as",
        dest="as_email",
        metavar="EMAIL",
        help="who you are, on a dev stack that trusts identity headers",
    )
    launch = commands.add_parser(
        "launch",
        parents=[common],
        help="launch a session of a template",
        description=(
            "Launch a session; when the platform is full, take a place in line and say "
            "where it is (with --wait, follow it until the session starts)."
        ),
    )
    launch.add_argument("template", metavar="TEMPLATE", help="the template's slug")
    launch.add_argument("--duration", metavar="DURATION", help="e.g. 90m or 2h")
    launch.add_argument(
        "--wait", action="store_true", help="when in line, wait until the session starts"
    )
    leave = commands.add_parser(
        "leave", parents=[common], help="leave the line", description="Give up a place in line."
    )
    leave.add_argument("ticket", metavar="TICKET", type=int, help="the ticket's number")
