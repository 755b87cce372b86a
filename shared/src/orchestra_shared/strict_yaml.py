"""Reading a YAML document strictly, against the JSON Schema of what it should contain.

``yaml.safe_load`` loses what reviewers need and lets YAML 1.1's implicit typing through:
``no`` becomes ``False``, ``3.20`` becomes ``3.2``, a repeated key silently wins, and nothing
remembers on which line a value was. This module composes the node tree instead, so that:

- every key has a line number (``Document.lines``) for error messages;
- a plain scalar given to a string field keeps its text exactly as written (``3.20`` stays
  ``"3.20"``), unless YAML would read it as a boolean or null: then the author is asked to
  quote it, because ``no`` may mean the word or ``false`` and only they know which;
- a boolean field accepts only ``true`` and ``false`` (not ``yes``/``on``/``off``), and an
  integer field only plain decimal digits (not ``017``, which YAML 1.1 reads as 15);
- mapping keys are always text (``on:`` is the key ``"on"``), and a repeated key is an error.

Used by ``orchestra_shared.catalogs``; it knows nothing about templates beyond the schema.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["Document", "Finding", "Path", "Shape", "read_yaml"]

Path = tuple[str | int, ...]
Schema = Mapping[str, Any]

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_INT = "tag:yaml.org,2002:int"
# The spellings YAML 1.2 and JSON agree on; ``yes``/``on``/``off`` are booleans only in 1.1.
_PORTABLE_BOOLEANS = {"true", "True", "TRUE", "false", "False", "FALSE"}
_PLAIN_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")


@dataclass(frozen=True)
class Finding:
    """Something wrong at ``path`` (keys and list indexes from the root), on ``line`` (1-based)."""

    path: Path
    line: int | None
    message: str


@dataclass(frozen=True)
class Document:
    """A document read into plain Python values, with the line of every key and list item."""

    value: object
    lines: Mapping[Path, int]
    findings: tuple[Finding, ...]

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor present in the file."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


@dataclass(frozen=True)
class Shape:
    """A JSON Schema, asked what it expects at a path (``$ref`` and ``anyOf`` followed)."""

    schema: Schema

    def at(self, path: Path) -> list[Schema]:
        """The alternatives expected at ``path``; empty when the path is not in the schema."""
        current = self._branches(self.schema)
        for step in path:
            current = [
                branch
                for parent in current
                for child in [self._child(parent, step)]
                if child is not None
                for branch in self._branches(child)
            ]
        return current

    def types(self, path: Path) -> set[str]:
        """JSON types accepted at ``path`` (``string``, ``boolean``, ``null``, ...)."""
        return {str(branch["type"]) for branch in self.at(path) if "type" in branch}

    def keys(self, path: Path) -> list[str]:
        """The property names of the object expected at ``path``."""
        return [key for branch in self.at(path) for key in branch.get("properties", {})]

    def _resolve(self, schema: Schema) -> Schema:
        while "$ref" in schema:
            name = str(schema["$ref"]).rsplit("/", 1)[-1]
            schema = self.schema["$defs"][name]
        return schema

    def _branches(self, schema: Schema) -> list[Schema]:
        schema = self._resolve(schema)
        if "anyOf" in schema:
            return [self._resolve(branch) for branch in schema["anyOf"]]
        return [schema]

    def _child(self, schema: Schema, step: str | int) -> Schema | None:
        if isinstance(step, int):
            items = schema.get("items")
            return items if isinstance(items, Mapping) else None
        properties = schema.get("properties", {})
        if step in properties:
            return properties[step]  # type: ignore[no-any-return]
        for pattern, child in schema.get("patternProperties", {}).items():
            if re.search(pattern, step):
                return child  # type: ignore[no-any-return]
        extra = schema.get("additionalProperties")
        return extra if isinstance(extra, Mapping) else None


def read_yaml(text: str, schema: Schema) -> Document:
    """Read one YAML document expected to match ``schema``; problems come back as findings."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        return Document(None, {}, (Finding((), line, _syntax_message(error)),))
    except yaml.YAMLError as error:
        return Document(None, {}, (Finding((), None, f"invalid YAML: {error}"),))
    if root is None:
        message = "the file is empty; it should be a mapping of fields such as 'name: ...'"
        return Document(None, {}, (Finding((), None, message),))
    if Shape(schema).types(()) == {"object"} and not isinstance(root, MappingNode):
        kind = "a list" if isinstance(root, SequenceNode) else f"the single value {root.value!r}"
        message = f"the file is {kind}; it should be a mapping of fields such as 'name: ...'"
        return Document(None, {}, (Finding((), _line(root), message),))
    reader = _Reader(Shape(schema))
    value = reader.read(root, ())
    return Document(value, reader.lines, tuple(reader.findings))


def _syntax_message(error: yaml.MarkedYAMLError) -> str:
    parts = [part for part in (error.context, error.problem) if part]
    return "invalid YAML: " + ", ".join(parts) if parts else "invalid YAML"


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


@dataclass
class _Reader:
    shape: Shape
    lines: dict[Path, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    _open: set[int] = field(default_factory=set)  # nodes being read, to stop alias cycles

    def read(self, node: Node, path: Path) -> object:
        self.lines.setdefault(path, _line(node))
        if id(node) in self._open:
            self.findings.append(Finding(path, _line(node), "an alias refers to itself"))
            return None
        self._open.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            if isinstance(node, SequenceNode):
                return [self.read(item, (*path, index)) for index, item in enumerate(node.value)]
            if isinstance(node, ScalarNode):
                return self._scalar(node, path)
            return None  # the composer makes no other kind of node
        finally:
            self._open.discard(id(node))

    def _mapping(self, node: MappingNode, path: Path) -> dict[str, object]:
        result: dict[str, object] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.findings.append(Finding(path, _line(key_node), "a key must be plain text"))
                continue
            key = str(key_node.value)  # the text as written: "on:" is the key "on"
            if key in first_seen:
                message = f"duplicate key '{key}' (first given on line {first_seen[key]})"
                self.findings.append(Finding((*path, key), _line(key_node), message))
                continue
            first_seen[key] = _line(key_node)
            self.lines[(*path, key)] = _line(key_node)
            result[key] = self.read(value_node, (*path, key))
        return result

    def _scalar(self, node: ScalarNode, path: Path) -> object:
        text = str(node.value)
        if node.tag == _STR:
            return text
        try:
            value = SafeConstructor().construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as error:
            self.findings.append(Finding(path, _line(node), f"cannot read {text!r}: {error}"))
            return text
        types = self.shape.types(path)
        if not types:
            return value  # not a known field: validation reports it
        message = _trap(text, node.tag, value, types)
        if message is not None:
            self.findings.append(Finding(path, _line(node), message))
            return value
        if "string" in types and not types & {"integer", "number", "boolean"}:
            return text  # 3.20, 1.10, 2024-01-01, 1:30: kept exactly as written
        return value


def _trap(text: str, tag: str, value: object, types: set[str]) -> str | None:
    """Why this plain scalar cannot be taken as it stands, or None when it can."""
    if tag == _BOOL:
        spelled = "true" if value else "false"
        if "boolean" in types:
            if text in _PORTABLE_BOOLEANS:
                return None
            return f"'{text}' is not a boolean in every YAML version; write {spelled}"
        if "string" in types:
            return (
                f"YAML reads unquoted {text} as the boolean {spelled}; "
                f'quote it ("{text}") to keep the text'
            )
        return None
    if tag == _NULL:
        if "null" in types:
            return None
        if text in ("", "~"):
            return "no value given"
        if "string" in types:
            return f'YAML reads unquoted {text} as no value; quote it ("{text}") to keep the text'

        return "no value given"
    if tag == _INT and "integer" in types and not _PLAIN_DECIMAL.fullmatch(text):
        return f"YAML reads {text} as {value}; write the number in plain decimal digits"
    return None
