"""Writing the generated files: only changes are written, undeclared or stale files do not stay,
and nothing generated can be committed by accident."""

from __future__ import annotations

import subprocess
from pathlib import Path, PurePosixPath

import pytest

from orchestra_docs import main, writing
from orchestra_docs.documents import CONTENT, Document

REPO = Path(__file__).resolve().parents[3]
VALUES = PurePosixPath("src/content/docs/operators/values.md")


def test_a_second_write_of_the_same_documents_changes_nothing(tmp_path: Path) -> None:
    items = [Document(CONTENT / "reference" / "crd.md", "one\n")]
    assert writing.write(tmp_path, items) == [items[0].path]
    assert writing.write(tmp_path, items) == []
    changed = [Document(items[0].path, "two\n")]
    assert writing.write(tmp_path, changed) == [items[0].path]
    assert (tmp_path / items[0].path).read_text() == "two\n"


def test_a_declared_page_no_generator_returns_is_removed(tmp_path: Path) -> None:
    stale = tmp_path / VALUES
    stale.parent.mkdir(parents=True)
    stale.write_text("an old values page\n")
    assert writing.write(tmp_path, []) == [VALUES]
    assert not stale.exists()


def test_every_generated_path_is_ignored_by_git() -> None:
    paths = [f"docs/{path}" for path in writing.generated_paths()]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *paths],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    ignored = set(result.stdout.split())
    assert ignored == set(paths), f"not git-ignored: {set(paths) - ignored}"


def test_the_documents_of_this_repository_are_exactly_the_declared_ones() -> None:
    produced = {item.path for item in writing.documents(REPO)}
    declared = set(writing.generated_paths())
    expected_missing = (
        {VALUES} if not (REPO / "charts/orchestra/values.schema.json").is_file() else set()
    )
    assert produced == declared - expected_missing


def test_generate_writes_into_the_site_of_the_given_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for part in ("charts", "shared"):
        (tmp_path / part).symlink_to(REPO / part)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "astro.config.mjs").write_text("")
    assert main.run(["generate", "--root", str(tmp_path)]) == 0
    assert (tmp_path / "docs" / CONTENT / "reference" / "settings.md").is_file()
    assert "generated files changed" in capsys.readouterr().err
    assert main.repository_root(tmp_path / "docs") == tmp_path
