"""JSON Schema as Markdown: one row per field, with its type, default and constraints.

The template reference, the chart values, the Workshop CRD and the event payloads are
all JSON Schemas (OpenAPI's dialect for the CRD), so one renderer serves every page that
lists fields. Pure: a schema in, rows and text out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

Schema = Mapping[str, Any]

CONSTRAINTS: tuple[tuple[str, str], ...] = (
    ("minLength", "at least {} characters"),
    ("maxLength", "at most {} characters"),
    ("minimum", "≥ {}"),
    ("exclusiveMinimum", "> {}"),
    ("maximum", "≤ {}"),
    ("exclusiveMaximum", "< {}"),
    ("minItems", "at least {} items"),
    ("maxItems", "at most {} items"),
    ("format", "format {}"),
)

LONG_PATTERN = 60


@dataclass(frozen=True)
class Row:
    """One field: ``path`` is dotted, ``[]`` marks the items of a list, ``<key>`` a map."""

    path: str
    type: str
    required: bool
    default: str
    description: str
    constraints: tuple[str, ...]


def rows(schema: Schema, *, root: Schema | None = None, prefix: str = "") -> list[Row]:
    """Every field of an object schema, depth first, in the schema's own order."""
    return list(_object_rows(schema, root if root is not None else schema, prefix, ()))


def table(items: list[Row]) -> str:
    """A Markdown table of ``items``; an empty list says so in words."""
    if not items:
        return "_No fields._\n"
    lines = ["| Field | Type | Default | Description |", "|---|---|---|---|"]
    for row in items:
        field = f"`{row.path}`" + (" (required)" if row.required else "")
        notes = "".join(f" {_sentence(note)}" for note in row.constraints)
        lines.append(
            f"| {field} | {cell(row.type)} | {cell(row.default)} | "
            f"{cell(row.description + notes)} |"
        )
    return "\n".join(lines) + "\n"


def resolve(schema: Schema, root: Schema) -> Schema:
    """Follow ``$ref`` (a JSON pointer into ``root``) and a lone ``allOf``, as often as needed."""
    seen: set[str] = set()
    while True:
        if "$ref" in schema:
            ref = str(schema["$ref"])
            if ref in seen:
                return schema
            seen.add(ref)
            target = _pointer(root, ref)
            extra = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **extra}
        elif "allOf" in schema and len(schema["allOf"]) == 1:
            extra = {k: v for k, v in schema.items() if k != "allOf"}
            schema = {**resolve(schema["allOf"][0], root), **extra}
        else:
            return schema


def type_name(schema: Schema, root: Schema) -> str:
    """A short human name for a schema's type: ``string``, ``list of integer``, ``a or b``."""
    schema = resolve(schema, root)
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return " or ".join(f"`{json.dumps(value)}`" for value in schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            names = [type_name(option, root) for option in schema[key]]
            return " or ".join(dict.fromkeys(names))
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(str(k) for k in kind)
    if kind == "array":
        items = schema.get("items")
        return f"list of {type_name(items, root)}" if isinstance(items, Mapping) else "list"
    if kind == "object" or "properties" in schema:
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping) and not schema.get("properties"):
            return f"map of {type_name(extra, root)}"
        return "object"
    if kind is None:
        return "any"
    return str(kind)


def _object_rows(schema: Schema, root: Schema, prefix: str, refs: tuple[str, ...]) -> Iterator[Row]:
    schema = resolve(schema, root)
    required = set(schema.get("required", ()))
    for name, child in (schema.get("properties") or {}).items():
        path = f"{prefix}{name}"
        yield from _field_rows(path, child, root, name in required, refs)
    extra = schema.get("additionalProperties")
    if isinstance(extra, Mapping) and schema.get("properties"):
        yield from _field_rows(f"{prefix}<key>", extra, root, False, refs)


def _field_rows(
    path: str, raw: Schema, root: Schema, required: bool, refs: tuple[str, ...]
) -> Iterator[Row]:
    ref = str(raw.get("$ref", ""))
    if ref and ref in refs:  # a recursive schema: name it once, do not descend again
        yield Row(path, type_name(raw, root), required, "", "(recursive)", ())
        return
    inner_refs = (*refs, ref) if ref else refs
    schema = resolve(raw, root)
    yield Row(
        path=path,
        type=type_name(schema, root),
        required=required,
        default=_default(schema),
        description=_description(schema),
        constraints=tuple(_constraints(schema)),
    )
    for nested, suffix in _nested(schema, root):
        yield from _object_rows(nested, root, f"{path}{suffix}", inner_refs)


def _nested(schema: Schema, root: Schema) -> Iterator[tuple[Schema, str]]:
    """The object schemas below a field: its own properties, a list's items, a map's values,
    and the object alternatives of an ``anyOf`` (an optional nested object)."""
    if schema.get("properties"):
        yield schema, "."
        return
    items = schema.get("items")
    if isinstance(items, Mapping):
        resolved = resolve(items, root)
        if resolved.get("properties"):
            yield resolved, "[]."
        return
    extra = schema.get("additionalProperties")
    if isinstance(extra, Mapping):
        resolved = resolve(extra, root)
        if resolved.get("properties"):
            yield resolved, ".<key>."
        return
    for key in ("anyOf", "oneOf"):
        objects = [
            resolve(option, root)
            for option in schema.get(key, ())
            if resolve(option, root).get("properties")
        ]
        if len(objects) == 1:
            yield objects[0], "."


def _default(schema: Schema) -> str:
    if "default" not in schema:
        return ""
    return f"`{json.dumps(schema['default'], ensure_ascii=False)}`"


def _description(schema: Schema) -> str:
    return " ".join(str(schema.get("description", "")).split())


def _constraints(schema: Schema) -> Iterator[str]:
    if schema.get("minLength") == 1:
        yield "not empty"
    for key, words in CONSTRAINTS:
        if key in schema and not (key == "minLength" and schema[key] == 1):
            yield words.format(schema[key])
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        # A short pattern says something at a glance; a long one (quantities, image
        # references) only hides the description, which gives examples instead.
        yield (
            f"Matches `{pattern}`"
            if len(pattern) <= LONG_PATTERN
            else "Checked by a pattern of the schema"
        )
    for rule in schema.get("x-kubernetes-validations", ()):
        message = rule.get("message") or rule.get("rule")
        if message:
            yield f"Checked by the API server: {message}"
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        yield "Any fields are kept as given"


def _pointer(root: Schema, ref: str) -> Schema:
    if not ref.startswith("#/"):
        raise ValueError(f"only local references are supported, not {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        part = unquote(part).replace("~1", "/").replace("~0", "~")
        node = node[part]
    if not isinstance(node, Mapping):
        raise ValueError(f"{ref!r} does not point at a schema")
    return node


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())
