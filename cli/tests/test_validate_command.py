"""``orchestra templates validate``: output lines and exit status, as a user or CI sees them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from orchestra_cli.main import run

REPO = Path(__file__).resolve().parents[2]
CATALOG = REPO / "charts" / "orchestra" / "files" / "templates"

GOOD = """\
name: Demo
slug: demo
description: A demo.
image: quay.io/jupyter/base-notebook:2024-10-07
defaultDuration: 4h
port: 8888
resources:
  cpu: "1"
  memory: 2Gi
"""


def test_the_chart_catalog_is_valid_from_the_repository_root(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    assert run(["templates", "validate"]) == 0
    count = len(list(CATALOG.glob("*.yaml")))
    assert capsys.readouterr().out == (
        f"{count} templates in charts/orchestra/files/templates: all valid\n"
    )


def test_the_catalog_is_found_from_a_subdirectory(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO / "cli" / "src")
    assert run(["templates", "validate"]) == 0
    assert capsys.readouterr().out.endswith("charts/orchestra/files/templates: all valid\n")


def test_no_catalog_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["templates", "validate"]) == 2
    assert "no charts/orchestra/files/templates in" in capsys.readouterr().err


def test_one_line_per_problem_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "demo.yaml").write_text(GOOD.replace("port: 8888", "port: 80"))
    (tmp_path / "other.yaml").write_text(GOOD.replace("image:", "imgae:"))
    monkeypatch.chdir(tmp_path)
    assert run(["templates", "validate", "."]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "demo.yaml:6: port: 80 is below 1024: workshop containers run without root and cannot "
        "listen there; make the application listen on a port such as 8080",
        "other.yaml:1: image: required field is missing",
        "other.yaml:2: slug: slug 'demo' must equal the file name; rename the file to 'demo.yaml'",
        "other.yaml:4: imgae: unknown field 'imgae'; did you mean 'image'?",
        "other.yaml:2: slug: slug 'demo' is already used by demo.yaml",
        "5 problems in .",
    ]


def test_github_annotations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "demo.yaml").write_text(GOOD.replace("name: Demo", "name: no"))
    (tmp_path / "empty.yaml").write_text("")
    monkeypatch.chdir(tmp_path)
    assert run(["templates", "validate", "--format", "github", "."]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "::error file=demo.yaml,line=1,title=name::"
        'YAML reads unquoted no as the boolean false; quote it ("no") to keep the text',
        "::error file=empty.yaml,title=(file)::"
        "the file is empty; it should be a mapping of fields such as 'name: ...'",
        "2 problems in .",
    ]


def test_a_stale_schema_file_is_a_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(CATALOG / "rstudio.yaml", tmp_path)
    (tmp_path / "template.schema.json").write_text('{"type": "object"}\n')
    assert run(["templates", "validate", str(tmp_path)]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        f"{tmp_path / 'template.schema.json'}: (file): out of date with the template model; "
        "run: orchestra templates schema --write"
    )


def test_a_missing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["templates", "validate", str(tmp_path / "nowhere")]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        f"{tmp_path / 'nowhere'}: (file): no such directory"
    )


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["templates", "validate", "--format", "xml"]) == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err
    assert run([]) == 2


def test_the_overlay_beside_the_catalog_is_checked_with_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = tmp_path / "templates"
    catalog.mkdir()
    (catalog / "demo.yaml").write_text(GOOD)
    overlay = tmp_path / "security-profiles.yaml"
    overlay.write_text("templates:\n  demo: root-init\n  gone: root-init\n")
    assert run(["templates", "validate", str(catalog)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{overlay}:3: templates.gone: no template 'gone' in the catalog")
    assert lines[1] == f"1 problem in {catalog}"


def test_an_overlay_may_be_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "demo.yaml").write_text(GOOD)
    overlay = tmp_path / "elsewhere.yml.txt"
    overlay.write_text("default: root\n")
    assert run(["templates", "validate", str(tmp_path), "--profiles", str(overlay)]) == 1
    assert capsys.readouterr().out.startswith(f"{overlay}:1: default: Input should be")
