"""Writing the generated files into the site, and only when their text changed.

An unchanged file keeps its modification time, so Astro's dev server does not reload
for nothing. A page a generator no longer returns (the values reference when the chart
has no ``values.schema.json``) is removed, so no stale page is built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

from orchestra_docs.documents import Document
from orchestra_docs.pages import (
    catalog,
    crds,
    events,
    openapi,
    settings,
    templates,
    tools,
    values,
)

Generator = Callable[[Path], list[Document]]
GENERATORS: tuple[tuple[Generator, tuple[PurePosixPath, ...]], ...] = (
    (templates.generate, (PurePosixPath("src/content/docs/authors/template-fields.md"),)),
    (catalog.generate, (PurePosixPath("src/content/docs/authors/catalog.md"),)),
    (values.generate, (PurePosixPath("src/content/docs/operators/values.md"),)),
    (crds.generate, (PurePosixPath("src/content/docs/reference/crd.md"),)),
    (settings.generate, (PurePosixPath("src/content/docs/reference/settings.md"),)),
    (
        events.generate,
        (
            PurePosixPath("public/asyncapi.json"),
            PurePosixPath("src/content/docs/reference/events.md"),
        ),
    ),
    (tools.generate, (PurePosixPath("src/content/docs/reference/tools.md"),)),
    (openapi.generate, (PurePosixPath("public/openapi.json"),)),
)


def generated_paths() -> tuple[PurePosixPath, ...]:
    """Every path a generator may write, relative to the site: all of them git-ignored."""
    return tuple(path for _, paths in GENERATORS for path in paths)


def documents(root: Path) -> list[Document]:
    """Every generated file, from the repository at ``root``."""
    found: list[Document] = []
    for generate, paths in GENERATORS:
        written = generate(root)
        unexpected = {d.path for d in written} - set(paths)
        if unexpected:
            raise RuntimeError(f"{generate.__module__} wrote undeclared paths: {unexpected}")
        found.extend(written)
    return found


def write(site: Path, items: Iterable[Document]) -> list[PurePosixPath]:
    """Write ``items`` under ``site``, remove declared paths not among them; say what changed."""
    changed: list[PurePosixPath] = []
    kept = set()
    for item in items:
        kept.add(item.path)
        target = site / item.path
        if target.is_file() and target.read_text(encoding="utf-8") == item.text:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(item.text, encoding="utf-8")
        changed.append(item.path)
    for path in generated_paths():
        if path not in kept and (site / path).is_file():
            (site / path).unlink()
            changed.append(path)
    return changed
