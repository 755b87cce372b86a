"""The ``orchestra`` command: the composition root that parses arguments and dispatches.

Catalog authors run it while writing templates, and the catalog's CI runs it on every pull
request. Each subcommand lives in a module named for what it does (``validating``,
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

from orchestra_cli import exporting, rendering, validating
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
    return parser
