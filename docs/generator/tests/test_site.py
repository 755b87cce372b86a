"""The site's hand-written pages: each has the frontmatter Starlight needs, every Markdown
file of docs/ is inside the site, and relative links lead to pages that exist.

The build checks links too (starlight-links-validator); these fail in pytest, in a second,
with the file named: for instance an ADR added under the old docs/src/content/docs/decisions/ or without a title.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from orchestra_docs import writing

REPO = Path(__file__).resolve().parents[3]
SITE = REPO / "docs"
CONTENT = SITE / "src" / "content" / "docs"
GENERATED = {SITE / path for path in writing.generated_paths()}
LINK = re.compile(r"\]\(([^)\s]+?\.mdx?)(#[^)\s]*)?\)")


def pages() -> list[Path]:
    return sorted(p for p in CONTENT.rglob("*.md*") if p not in GENERATED)


def frontmatter(path: Path) -> dict[str, object]:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return {}
    data = yaml.safe_load(text.split("---\n", 2)[1])
    return data if isinstance(data, dict) else {}


@pytest.mark.parametrize("path", pages(), ids=lambda p: str(p.relative_to(CONTENT)))
def test_each_page_has_a_title_in_its_frontmatter(path: Path) -> None:
    assert frontmatter(path).get("title"), (
        f"{path.relative_to(REPO)}: Starlight needs frontmatter with a title "
        "(---\\ntitle: ...\\n---) instead of a first '# heading'"
    )


def test_no_markdown_in_docs_lives_outside_the_site() -> None:
    outside = [
        p.relative_to(REPO)
        for p in SITE.rglob("*.md")
        if not p.is_relative_to(CONTENT)
        and "node_modules" not in p.parts
        and not p.is_relative_to(SITE / "generator")
    ]
    assert outside == [], f"move these under {CONTENT.relative_to(REPO)}: {outside}"


@pytest.mark.parametrize("path", pages(), ids=lambda p: str(p.relative_to(CONTENT)))
def test_relative_links_lead_to_existing_pages(path: Path) -> None:
    broken = []
    for match in LINK.finditer(path.read_text(encoding="utf-8")):
        target = match.group(1)
        if re.match(r"^[a-z]+:", target) or target.startswith("/"):
            continue
        resolved = (path.parent / target).resolve()
        if not resolved.is_file() and resolved not in GENERATED:
            broken.append(target)
    assert broken == [], f"{path.relative_to(REPO)} links to missing pages: {broken}"


def test_the_catalog_ci_workflow_parses_and_runs_a_command_that_exists(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from orchestra_cli.main import run

    text = (CONTENT / "authors" / "validating.md").read_text(encoding="utf-8")
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    workflow = yaml.safe_load(block)
    steps = workflow["jobs"]["validate"]["steps"]
    commands = [step["run"] for step in steps if "run" in step]
    assert commands[-1] == 'orchestra templates validate --format github "$CATALOG"'
    assert "./.orchestra/shared ./.orchestra/cli" in commands[0]
    catalog = REPO / "charts" / "orchestra" / "files" / "templates"
    assert run(["templates", "validate", "--format", "github", str(catalog)]) == 0
    assert "::error" not in capsys.readouterr().out
