"""The default catalog, file by file: the worked examples of the authors' pages, never stale.

Each template of ``charts/orchestra/files/templates`` is loaded as the api loads it (so a
broken file fails the docs build too) and shown with the security profile it runs under.
"""

from __future__ import annotations

from pathlib import Path

from orchestra_docs.documents import Document, page
from orchestra_shared.catalogs import load_catalog

CATALOG = Path("charts/orchestra/files/templates")
PROFILES = Path("charts/orchestra/files/security-profiles.yaml")


def generate(root: Path) -> list[Document]:
    directory = root / CATALOG
    overlay = root / PROFILES
    catalog = load_catalog(directory, profiles=overlay if overlay.is_file() else None)
    body = [
        f"The templates the chart ships, from `{CATALOG.as_posix()}`, exactly as committed. "
        "Each is loaded as the api loads it before this page is written, so every one here "
        "passes `orchestra templates validate`. What each choice means: "
        "[Worked examples](examples.md).",
        "",
        "| Template | Slug | Image | Security profile | Enabled |",
        "|---|---|---|---|---|",
    ]
    slugs = sorted(catalog.templates)
    for slug in slugs:
        template = catalog.templates[slug]
        body.append(
            f"| [{template.name}](#{slug}) | `{slug}` | `{template.image}` | "
            f"`{template.security_profile}` | {'yes' if template.enabled else 'no'} |"
        )
    for slug in slugs:
        text = (directory / f"{slug}.yaml").read_text(encoding="utf-8")
        body += [
            "",
            f"## {slug}",
            "",
            f"`{CATALOG.as_posix()}/{slug}.yaml`:",
            "",
            "```yaml",
            text.rstrip("\n"),
            "```",
        ]
    return [
        page(
            "authors/catalog",
            title="The default catalog",
            description="Every template the chart ships, file by file, generated from the catalog.",
            body="\n".join(body),
            order=8,
        )
    ]
