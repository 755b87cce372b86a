"""The command-line tools' reference: each command's own ``--help``, as argparse prints it.

``orchestra`` (catalog authors) and ``orchestra-dev`` (the local stack) are argparse
programs; their help is the reference, so the page is their help, captured at a fixed
width. ``orchestra-docs`` is this generator's own.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from orchestra_cli.main import run as orchestra
from orchestra_devstack.main import parse_arguments as orchestra_dev
from orchestra_docs.documents import Document, page

WIDTH = "100"
Program = Callable[[Sequence[str]], object]
COMMANDS: tuple[tuple[str, Program, tuple[str, ...]], ...] = (
    ("orchestra", orchestra, ()),
    ("orchestra", orchestra, ("templates",)),
    ("orchestra", orchestra, ("templates", "validate")),
    ("orchestra", orchestra, ("templates", "schema")),
    ("orchestra", orchestra, ("templates", "render")),
    ("orchestra-dev", lambda argv: orchestra_dev(list(argv)), ()),
)


def help_text(program: Program, words: Sequence[str]) -> str:
    """What ``program words --help`` prints (argparse exits after printing it)."""
    out = io.StringIO()
    with _columns(WIDTH), contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        program([*words, "--help"])
    return out.getvalue().rstrip("\n")


def generate(root: Path) -> list[Document]:
    body = [
        "Every command's own help, as it prints it. Catalog authors use `orchestra` "
        "([Validating templates](../authors/validating.md)); `orchestra-dev` is what "
        "`make dev` runs ([The local stack](../getting-started/local-stack.md)). The "
        "services' own entry points are `orchestra-api [serve|migrate|openapi]`, and "
        "`orchestra-operator`, `orchestra-sync`, `orchestra-expiry` and `orchestra-gate`, "
        "configured only by [their settings](settings.md).",
    ]
    for name, program, words in COMMANDS:
        body += [
            "",
            f"## {' '.join((name, *words))}",
            "",
            "```text",
            help_text(program, words),
            "```",
        ]
    return [
        page(
            "reference/tools",
            title="Command-line tools",
            description="The orchestra and orchestra-dev commands, generated from their own help.",
            body="\n".join(body),
            order=5,
        )
    ]


@contextlib.contextmanager
def _columns(width: str) -> Iterator[None]:
    """argparse wraps to ``$COLUMNS``; a fixed width keeps the page the same everywhere."""
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = width
    try:
        yield
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before
