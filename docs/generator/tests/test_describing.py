"""JSON Schema to rows and tables: references, nesting, constraints, escaping."""

from __future__ import annotations

from typing import Any

from orchestra_docs.describing import Row, rows, table, type_name

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "resources"],
    "$defs": {
        "Resources": {
            "type": "object",
            "required": ["cpu"],
            "properties": {
                "cpu": {"type": "string", "description": "CPU limit.", "pattern": "^[0-9]+$"},
            },
        },
        "Volume": {"type": "object", "properties": {"size": {"type": "string"}}},
    },
    "properties": {
        "name": {"type": "string", "minLength": 1, "description": "Title | shown."},
        "tier": {"enum": ["small", "large"], "default": "small"},
        "resources": {"$ref": "#/$defs/Resources"},
        "storage": {"anyOf": [{"$ref": "#/$defs/Volume"}, {"type": "null"}], "default": None},
        "ports": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"port": {"type": "integer", "minimum": 1024}},
            },
        },
        "env": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def by_path(items: list[Row]) -> dict[str, Row]:
    return {row.path: row for row in items}


def test_every_field_is_a_row_depth_first_with_references_followed() -> None:
    paths = [row.path for row in rows(SCHEMA)]
    assert paths == [
        "name",
        "tier",
        "resources",
        "resources.cpu",
        "storage",
        "storage.size",
        "ports",
        "ports[].port",
        "env",
    ]


def test_required_defaults_and_constraints_are_kept() -> None:
    found = by_path(rows(SCHEMA))
    assert found["name"].required
    assert not found["tier"].required
    assert found["tier"].default == '`"small"`'
    assert found["resources.cpu"].required
    assert "Matches `^[0-9]+$`" in found["resources.cpu"].constraints
    assert "not empty" in found["name"].constraints
    assert "≥ 1024" in found["ports[].port"].constraints


def test_a_long_pattern_is_named_not_printed() -> None:
    schema = {"type": "object", "properties": {"q": {"type": "string", "pattern": "x" * 61}}}
    (row,) = rows(schema)
    assert row.constraints == ("Checked by a pattern of the schema",)


def test_types_read_as_words() -> None:
    assert type_name(SCHEMA["properties"]["tier"], SCHEMA) == '`"small"` or `"large"`'
    assert type_name(SCHEMA["properties"]["storage"], SCHEMA) == "object or null"
    assert type_name(SCHEMA["properties"]["env"], SCHEMA) == "map of string"
    assert type_name(SCHEMA["properties"]["ports"], SCHEMA) == "list of object"


def test_a_pipe_in_a_description_does_not_split_the_table_cell() -> None:
    text = table(rows(SCHEMA))
    line = next(line for line in text.splitlines() if line.startswith("| `name`"))
    assert "Title \\| shown." in line
    assert line.count(" | ") == 3


def test_a_recursive_schema_is_named_once_not_followed_for_ever() -> None:
    recursive: dict[str, Any] = {
        "$defs": {"Node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}}}},
        "type": "object",
        "properties": {"root": {"$ref": "#/$defs/Node"}},
    }
    paths = [row.path for row in rows(recursive)]
    assert paths == ["root", "root.child"]
    assert rows(recursive)[-1].description == "(recursive)"
