"""``orchestra templates render``: the Workshop a launch would create, as YAML."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from orchestra_cli.main import run
from orchestra_shared.owners import learner_namespace

REPO = Path(__file__).resolve().parents[2]
CATALOG = REPO / "charts" / "orchestra" / "files" / "templates"


def test_renders_a_reference_template(capsys: pytest.CaptureFixture[str]) -> None:
    status = run(
        [
            "templates", "render", str(CATALOG / "ontoproc2c.yaml"),
            "--owner", "ada@example.org", "--name", "ontoproc2c-demo-abc123",
        ]
    )  # fmt: skip
    assert status == 0
    workshop = yaml.safe_load(capsys.readouterr().out)
    assert (workshop["apiVersion"], workshop["kind"]) == ("orchestra.io/v1", "Workshop")
    assert workshop["metadata"]["name"] == "ontoproc2c-demo-abc123"
    assert workshop["metadata"]["namespace"] == learner_namespace("ada@example.org")
    assert workshop["metadata"]["labels"]["orchestra.io/template"] == "ontoproc2c"
    spec = workshop["spec"]
    assert (spec["owner"], spec["template"], spec["image"]) == (
        "ada@example.org",
        "ontoproc2c",
        "vjcitn/op2ws:0.0.1",
    )
    assert spec["resources"] == {
        "limits": {"cpu": "2", "memory": "8Gi", "ephemeral-storage": "8Gi"},
        "requests": {"cpu": "500m", "memory": "8Gi", "ephemeral-storage": "1Gi"},
    }
    assert spec["storage"] == {"size": "20Gi", "persist": "per-user"}


def test_a_generated_name_is_a_launch_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["templates", "render", str(CATALOG / "rstudio.yaml")]) == 0
    workshop = yaml.safe_load(capsys.readouterr().out)
    assert workshop["metadata"]["name"].startswith("rstudio-")
    assert workshop["spec"]["owner"] == "learner@example.org"


def test_an_invalid_template_prints_its_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text("- not a template\n")
    assert run(["templates", "render", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"{path}:1: (file): the file is a list; it should be a mapping of fields such as "
        "'name: ...'\n"
    )


def test_a_bad_name(capsys: pytest.CaptureFixture[str]) -> None:
    status = run(["templates", "render", str(CATALOG / "rstudio.yaml"), "--name", "Not_OK"])
    assert status == 2
    assert "is not a DNS label" in capsys.readouterr().err


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    orchestra = Path(sys.executable).parent / "orchestra"
    template = Path(__file__).resolve().parents[2] / "charts/orchestra/files/templates/rstudio.yaml"
    done = subprocess.run(
        f"'{orchestra}' templates render '{template}' | head -n 1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout == "apiVersion: orchestra.io/v1\n"
    assert "Traceback" not in done.stderr
