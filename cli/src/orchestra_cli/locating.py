"""Finding the default catalog: the chart's ``files/templates`` from where the user stands.

Authors run ``orchestra templates validate`` from anywhere in a checkout, so the directory is
looked up in the current directory and then in each parent, as git finds its repository.
"""

from __future__ import annotations

from pathlib import Path

CATALOG_PATH = Path("charts/orchestra/files/templates")


class CatalogNotFound(Exception):
    """No catalog directory here or above; the user has to name one."""


def find_catalog(start: Path) -> Path:
    """The nearest ``charts/orchestra/files/templates`` at or above ``start``, as given."""
    for base in (start, *start.parents):
        candidate = base / CATALOG_PATH
        if candidate.is_dir():
            return _relative(candidate, start)
    raise CatalogNotFound(
        f"no {CATALOG_PATH} in {start} or its parents; give the catalog directory"
    )


def _relative(path: Path, start: Path) -> Path:
    # Relative paths keep problem lines short and clickable in editors and CI logs.
    try:
        return path.relative_to(start)
    except ValueError:
        return path
