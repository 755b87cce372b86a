"""Loading the template catalog: a directory of YAML files, each checked to the last detail.

The API loads the catalog at startup (a bad file stops it, naming file, line and field); the
CLI validates a catalog in CI and while authors write. Both want every problem of every file
at once, in the form ``file:line: field: message``, and never a traceback: this module turns
YAML syntax errors, YAML's implicit-typing traps (``orchestra_shared.strict_yaml``), schema
violations (``orchestra_shared.templates``) and cross-file rules (slug equals file name,
slugs unique) into one list of ``Problem``. The platform's overlay of security profiles
(``orchestra_shared.security_profiles``), when given, is read the same way and fills in the
``securityProfile`` of every template whose file does not declare one.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from orchestra_shared.security_profiles import (
    SecurityProfiles,
    overlay_json_schema,
    resolved_profiles,
)
from orchestra_shared.strict_yaml import Document, Shape, read_yaml
from orchestra_shared.strict_yaml import Path as FieldPath
from orchestra_shared.templates import (
    SLUG_PATTERN,
    Template,
    TemplateLimits,
    template_json_schema,
)

__all__ = [
    "Catalog",
    "CatalogError",
    "Problem",
    "TemplateLimits",
    "TemplateSource",
    "load_catalog",
    "load_template_file",
    "template_json_schema",
]

TEMPLATE_SUFFIXES = (".yaml", ".yml")
WHOLE_FILE = "(file)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a catalog file, located as precisely as the input allows."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}"


class CatalogError(Exception):
    """The catalog (or one file of it) cannot be used; ``problems`` says everything wrong."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in the template catalog"
        super().__init__("\n".join([f"{heading}:", *(str(p) for p in self.problems)]))


@dataclass(frozen=True)
class TemplateSource:
    """Where a template came from, as its author wrote it (admins read it in the dashboard)."""

    file: str
    """The file's name inside the catalog directory."""
    text: str


@dataclass(frozen=True)
class Catalog:
    """The templates of a catalog by slug, in file-name order, and the files they came from."""

    templates: Mapping[str, Template]
    sources: Mapping[str, TemplateSource] = field(default_factory=lambda: MappingProxyType({}))

    def get(self, slug: str) -> Template | None:
        return self.templates.get(slug)

    def visible(self, admin: bool) -> list[Template]:
        """What a user may see: admins see disabled templates too, learners only enabled ones."""
        return [template for template in self.templates.values() if admin or template.enabled]


def load_template_file(path: Path, *, limits: TemplateLimits = TemplateLimits()) -> Template:
    """Read and check one template file; ``CatalogError`` lists all its problems."""
    template, problems, _, _ = _check_file(path, limits)
    if problems or template is None:
        raise CatalogError(problems)
    return template


def load_catalog(
    directory: Path, *, limits: TemplateLimits = TemplateLimits(), profiles: Path | None = None
) -> Catalog:
    """Read every ``*.yaml`` of ``directory``; ``CatalogError`` lists every problem found.

    ``profiles`` is the platform's overlay file of security profiles; without one, every
    template that does not declare its profile is ``restricted``."""
    if not directory.is_dir():
        raise CatalogError([Problem(str(directory), None, WHOLE_FILE, "no such directory")])
    paths = sorted(
        path
        for path in directory.iterdir()
        if path.suffix in TEMPLATE_SUFFIXES and path.is_file() and not path.name.startswith(".")
    )
    if not paths:
        message = "no template files (*.yaml) in this directory"
        raise CatalogError([Problem(str(directory), None, WHOLE_FILE, message)])
    templates: dict[str, Template] = {}
    sources: dict[str, TemplateSource] = {}
    owners: dict[str, str] = {}
    problems: list[Problem] = []
    for path in paths:
        template, file_problems, slug_at, text = _check_file(path, limits)
        problems.extend(file_problems)
        if slug_at is None:
            continue
        slug, line = slug_at
        if slug in owners:
            message = f"slug '{slug}' is already used by {owners[slug]}"
            problems.append(Problem(str(path), line, "slug", message))
        else:
            owners[slug] = str(path)
            if template is not None and text is not None:
                templates[slug] = template
                sources[slug] = TemplateSource(file=path.name, text=text)
    overlay: SecurityProfiles | None = None
    if profiles is not None:
        overlay, overlay_problems = _read_overlay(profiles, templates, failed=set(owners))
        problems.extend(overlay_problems)
    if problems:
        raise CatalogError(problems)
    resolved, _ = resolved_profiles(templates, overlay)
    templates = {
        slug: template.model_copy(update={"security_profile": resolved[slug]})
        for slug, template in templates.items()
    }
    return Catalog(MappingProxyType(templates), MappingProxyType(sources))


def _read_overlay(
    path: Path, templates: Mapping[str, Template], *, failed: set[str]
) -> tuple[SecurityProfiles | None, list[Problem]]:
    """The overlay (if valid) and its problems, its entries checked against the catalog;
    an entry for a template whose own file failed (``failed`` minus loaded) is not judged."""
    file = str(path)
    document, problems, _ = _read_document(path, _overlay_shape())
    if document is None or not isinstance(document.value, dict):
        return None, problems
    try:
        overlay = SecurityProfiles.model_validate(document.value)
    except ValidationError as error:
        reported = {finding.path for finding in document.findings}
        problems.extend(_validation_problems(file, document, error, reported, _overlay_shape()))
        return None, _in_line_order(problems)
    _, conflicts = resolved_profiles(templates, overlay)
    for conflict in conflicts:
        if conflict.slug in failed and conflict.slug not in templates:
            continue
        where = ("templates", conflict.slug)
        problems.append(
            Problem(file, document.line_of(where), _field_name(where), conflict.message)
        )
    return (overlay if not problems else None), _in_line_order(problems)


@functools.cache
def _shape() -> Shape:
    return Shape(template_json_schema())


@functools.cache
def _overlay_shape() -> Shape:
    return Shape(overlay_json_schema())


def _read_document(path: Path, shape: Shape) -> tuple[Document | None, list[Problem], str | None]:
    """The file read strictly against ``shape``, its problems and its text (None, None if
    it cannot be read as UTF-8 text)."""
    file = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, [Problem(file, None, WHOLE_FILE, f"cannot read: {error.strerror}")], None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        message = f"not UTF-8 text (byte {error.start}); save the file as UTF-8"
        return None, [Problem(file, line, WHOLE_FILE, message)], None
    document = read_yaml(text, shape.schema)
    problems = [
        Problem(file, finding.line, _field_name(finding.path), finding.message)
        for finding in document.findings
    ]
    return document, problems, text


def _check_file(
    path: Path, limits: TemplateLimits
) -> tuple[Template | None, list[Problem], tuple[str, int | None] | None, str | None]:
    """The template (if valid), the file's problems, its slug and line (if it has one), and
    its text (if it could be read)."""
    file = str(path)
    document, problems, text = _read_document(path, _shape())
    if document is None:
        return None, problems, None, None
    if not isinstance(document.value, dict):
        return None, problems, None, text
    template: Template | None = None
    try:
        template = Template.model_validate(
            document.value, context={"limits": limits}, by_alias=True, by_name=False
        )
    except ValidationError as error:
        reported = {finding.path for finding in document.findings}
        problems.extend(_validation_problems(file, document, error, reported, _shape()))
    slug = document.value.get("slug")
    if not isinstance(slug, str):
        return None, _in_line_order(problems), None, text
    slug_line = document.line_of(("slug",))
    if slug != path.stem and re.fullmatch(SLUG_PATTERN, slug):
        message = f"slug '{slug}' must equal the file name; rename the file to '{slug}.yaml'"
        problems.append(Problem(file, slug_line, "slug", message))
    valid = template if not problems else None
    return valid, _in_line_order(problems), (slug, slug_line), text


def _in_line_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda problem: problem.line or 0)


def _validation_problems(
    file: str, document: Document, error: ValidationError, reported: set[FieldPath], shape: Shape
) -> list[Problem]:
    problems = []
    for detail in error.errors(include_url=False):
        path: FieldPath = tuple(step for step in detail["loc"] if step != "[key]")
        if detail["type"] == "default_factory_not_called" or path in reported:
            continue  # a consequence of another error, or already explained better
        message = _message(detail, path, shape)
        problems.append(Problem(file, document.line_of(path), _field_name(path), message))
    return problems


def _message(detail: Mapping[str, Any], path: FieldPath, shape: Shape) -> str:
    """Pydantic's message, reworded where it would leave the author guessing."""
    kind = str(detail["type"])
    given = detail.get("input")
    if kind == "extra_forbidden":
        return _unknown_field(path, shape)
    if kind == "missing":
        return "required field is missing"
    message = str(detail["msg"]).removeprefix("Value error, ")
    if kind.endswith("_type") or kind in ("literal_error", "enum"):
        message = f"{message}, got {_describe(given)}"
    return message


def _unknown_field(path: FieldPath, shape: Shape) -> str:
    name = str(path[-1])
    known = shape.keys(path[:-1])
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f"unknown field '{name}'; did you mean '{close[0]}'?"
    return f"unknown field '{name}'; known fields are: {', '.join(known)}"


def _describe(value: object) -> str:
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "no value"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"the {type(value).__name__} {value!r}"


def _field_name(path: FieldPath) -> str:
    """``resources.cpuRequest``, ``args[1]``; the whole file for the root."""
    if not path:
        return WHOLE_FILE
    name = ""
    for step in path:
        name += f"[{step}]" if isinstance(step, int) else (f".{step}" if name else step)
    return name
