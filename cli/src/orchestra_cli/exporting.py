"""``orchestra templates schema``: the template JSON Schema, printed or written to the catalog.

The schema file sits next to the catalog so that every template's first line
(``# yaml-language-server: $schema=./template.schema.json``) lets editors check it while the
author types. It is generated from the model, never edited by hand; a test and
``orchestra templates validate`` fail when the committed copy is stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from orchestra_shared.templates import template_json_schema

SCHEMA_FILE_NAME = "template.schema.json"


def schema_text() -> str:
    """The schema as committed: two-space indentation and a final newline."""
    return json.dumps(template_json_schema(), indent=2, ensure_ascii=False) + "\n"


def export_schema(target: Path | None, *, out: TextIO) -> int:
    """Print the schema, or write it to ``target`` and say so."""
    text = schema_text()
    if target is None:
        out.write(text)
        return 0
    changed = not target.is_file() or target.read_text(encoding="utf-8") != text
    if changed:
        target.write_text(text, encoding="utf-8")
    print(f"{'wrote' if changed else 'unchanged:'} {target}", file=out)
    return 0
