"""``orchestra-docs generate``: write the site's reference pages from the code.

Run from anywhere inside the repository; ``scripts/docs.sh`` runs it before every build.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from orchestra_docs import writing


def repository_root(start: Path) -> Path:
    """The nearest directory above ``start`` that holds both ``docs/`` and ``charts/``."""
    for candidate in (start, *start.parents):
        if (candidate / "docs" / "astro.config.mjs").is_file() and (candidate / "charts").is_dir():
            return candidate
    raise SystemExit(f"orchestra-docs: no repository with docs/ and charts/ above {start}")


def run(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="orchestra-docs", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="write the generated pages into docs/")
    generate.add_argument("--root", type=Path, help="the repository (default: found from here)")
    args = parser.parse_args(argv)
    root = (args.root or repository_root(Path.cwd())).resolve()
    changed = writing.write(root / "docs", writing.documents(root))
    total = len(writing.generated_paths())
    print(f"orchestra-docs: {len(changed)} of {total} generated files changed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run())
