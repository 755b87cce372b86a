"""The Workshop custom resource's fields, from its CRD (``charts/orchestra/crds``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from orchestra_docs import describing
from orchestra_docs.documents import Document, page

CRD = Path("charts/orchestra/crds/workshops.yaml")


def generate(root: Path) -> list[Document]:
    crd: dict[str, Any] = yaml.safe_load((root / CRD).read_text(encoding="utf-8"))
    spec = crd["spec"]
    names = spec["names"]
    body = [
        f"`{names['kind']}` (`{spec['group']}`, {spec['scope'].lower()}; plural "
        f"`{names['plural']}`, short names {', '.join(f'`{n}`' for n in names.get('shortNames', []))}) "
        "is one learner's running workshop. The operator is its only writer; sync reads it. "
        f"From `{CRD.as_posix()}`.",
        "",
    ]
    for version in spec["versions"]:
        schema = version["schema"]["openAPIV3Schema"]
        flags = [w for w in ("served", "storage") if version.get(w)]
        body += [f"## {spec['group']}/{version['name']}", "", f"Version flags: {', '.join(flags)}."]
        columns = version.get("additionalPrinterColumns", [])
        if columns:
            body += [
                "",
                "`kubectl get workshops` shows:",
                "",
                "| Column | From | Note |",
                "|---|---|---|",
                *(
                    f"| {c['name']} | `{c['jsonPath']}` | {c.get('description', '')} |"
                    for c in columns
                ),
            ]
        for part in ("spec", "status"):
            if part in schema.get("properties", {}):
                body += [
                    "",
                    f"### {part}",
                    "",
                    describing.table(
                        describing.rows(schema["properties"][part], prefix=f"{part}.")
                    ),
                ]
    return [
        page(
            "reference/crd",
            title="Workshop resource (CRD)",
            description="Fields of the Workshop custom resource, generated from its CRD.",
            body="\n".join(body),
            order=3,
        )
    ]
