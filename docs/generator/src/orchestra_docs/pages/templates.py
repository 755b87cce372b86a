"""The template field reference, from the template model's JSON Schema.

The schema is ``orchestra_shared.templates.template_json_schema()``: the same one
``orchestra templates schema`` prints, editors read from ``template.schema.json`` beside
the catalog, and the validator enforces.
"""

from __future__ import annotations

from pathlib import Path

from orchestra_docs import describing
from orchestra_docs.documents import Document, page
from orchestra_shared.templates import template_json_schema


def generate(root: Path) -> list[Document]:
    schema = template_json_schema()
    body = [
        "Every field a catalog template may have, from the JSON Schema that the validator "
        "enforces (`orchestra templates schema` prints it; `template.schema.json` beside the "
        "catalog is the same document, for editors). A field not listed here is an error: "
        "templates refuse unknown fields.",
        "",
        f"**{schema.get('title', 'Template')}.** {schema.get('description', '')}".rstrip(),
        "",
        describing.table(describing.rows(schema)),
        "How to check a file against this, and the mistakes the validator names: "
        "[Validating templates](validating.md) and [YAML traps](yaml-traps.md).",
    ]
    return [
        page(
            "authors/template-fields",
            title="Template fields",
            description="Every field of a catalog template, generated from its JSON Schema.",
            body="\n".join(body),
            order=3,
        )
    ]
