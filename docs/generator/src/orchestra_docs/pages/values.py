"""The Helm chart's values reference, from ``charts/orchestra/values.schema.json``.

The schema is the chart's own contract (Helm checks values against it on install). Until
the chart has one, there is no page, and no error: the operators' pages describe the
values in words from ``values.yaml``.
"""

from __future__ import annotations

import json
from pathlib import Path

from orchestra_docs import describing
from orchestra_docs.documents import Document, page

SCHEMA = Path("charts/orchestra/values.schema.json")


def generate(root: Path) -> list[Document]:
    path = root / SCHEMA
    if not path.is_file():
        return []
    schema = json.loads(path.read_text(encoding="utf-8"))
    body = [
        "Every value the chart accepts, from `charts/orchestra/values.schema.json`; Helm "
        "refuses an install or upgrade whose values break it. Defaults are those of "
        "`charts/orchestra/values.yaml`.",
        "",
        describing.table(describing.rows(schema)),
    ]
    return [
        page(
            "operators/values",
            title="Chart values",
            description="Every value of the Helm chart, generated from values.schema.json.",
            body="\n".join(body),
            order=2,
        )
    ]
