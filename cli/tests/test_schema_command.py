"""``orchestra templates schema``: printing and rewriting the committed JSON Schema."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestra_cli.main import run
from orchestra_shared.templates import template_json_schema

REPO = Path(__file__).resolve().parents[2]
CATALOG = REPO / "charts" / "orchestra" / "files" / "templates"


def test_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["templates", "schema"]) == 0
    assert json.loads(capsys.readouterr().out) == template_json_schema()


def test_the_committed_file_is_what_the_command_writes(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["templates", "schema"]) == 0
    assert (CATALOG / "template.schema.json").read_text(encoding="utf-8") == (
        capsys.readouterr().out
    ), "run: orchestra templates schema --write"


def test_write_updates_a_stale_file_then_leaves_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "template.schema.json"
    target.write_text("{}\n")
    assert run(["templates", "schema", "--write", "--catalog", str(tmp_path)]) == 0
    assert json.loads(target.read_text()) == template_json_schema()
    assert run(["templates", "schema", "--write", "--catalog", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines() == [f"wrote {target}", f"unchanged: {target}"]


def test_the_installed_command(tmp_path: Path) -> None:
    command = shutil.which("orchestra", path=str(Path(sys.executable).parent))
    assert command is not None, "the orchestra entry point is not installed in this environment"
    shutil.copy(CATALOG / "jupyter.yaml", tmp_path)
    result = subprocess.run(
        [command, "templates", "validate", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (0, f"1 template in {tmp_path}: all valid\n")
