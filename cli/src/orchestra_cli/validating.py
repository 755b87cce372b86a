"""``orchestra templates validate``: every problem of a catalog, one line each, for people or CI.

The text format is ``file:line: field: message``, which editors and terminals turn into links;
the ``github`` format emits workflow commands, so problems appear on the pull request's diff.
Besides the templates, the committed JSON Schema must match the model (editors check against
it), so a stale ``template.schema.json`` is a problem too. The platform's overlay of security
profiles (``security-profiles.yaml`` beside the catalog directory, or the file given) is
checked with the catalog, as the api will load it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from orchestra_cli.exporting import SCHEMA_FILE_NAME, schema_text
from orchestra_shared.catalogs import WHOLE_FILE, CatalogError, Problem, load_catalog

FORMATS = ("text", "github")
OVERLAY_FILE_NAME = "security-profiles.yaml"


def overlay_beside(directory: Path) -> Path | None:
    """The overlay of security profiles next to ``directory``, if there is one."""
    candidate = directory.parent / OVERLAY_FILE_NAME
    return candidate if candidate.is_file() else None


def validate(directory: Path, *, output: str, out: TextIO, profiles: Path | None = None) -> int:
    """Print the problems of the catalog in ``directory`` (with the overlay ``profiles``, or
    the one beside it); 1 if there are any, else 0."""
    problems: list[Problem] = []
    count = 0
    overlay = profiles or overlay_beside(directory)
    try:
        count = len(load_catalog(directory, profiles=overlay).templates)
    except CatalogError as error:
        problems.extend(error.problems)
    problems.extend(_stale_schema(directory))
    formatter: Callable[[Problem], str] = _github if output == "github" else str
    for problem in problems:
        print(formatter(problem), file=out)
    if problems:
        total = len(problems)
        print(f"{total} problem{'s' if total != 1 else ''} in {directory}", file=out)
        return 1
    print(f"{count} template{'s' if count != 1 else ''} in {directory}: all valid", file=out)
    return 0


def _stale_schema(directory: Path) -> list[Problem]:
    path = directory / SCHEMA_FILE_NAME
    if not path.is_file():
        return []
    try:
        committed = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        committed = None
    if committed == json.loads(schema_text()):
        return []
    message = "out of date with the template model; run: orchestra templates schema --write"
    return [Problem(str(path), None, WHOLE_FILE, message)]


def _github(problem: Problem) -> str:
    """A GitHub Actions ``::error`` command (escaped as the runner expects)."""
    properties = [f"file={_escape_property(problem.file)}"]
    if problem.line is not None:
        properties.append(f"line={problem.line}")
    properties.append(f"title={_escape_property(problem.field)}")
    return f"::error {','.join(properties)}::{_escape_data(problem.message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
