"""Start-up: a bad catalog, a placeholder secret or no way to identify anybody stops the api,
saying why, before it serves."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from services.api.tests.apis import write_catalog

from orchestra_api.main import run


def bad_catalog(directory: Path) -> Path:
    write_catalog(directory)
    text = (directory / "beta.yaml").read_text().replace("port: 8888", "port: 88888")
    (directory / "beta.yaml").write_text(text)
    return directory


def test_run_refuses_a_bad_catalog_naming_file_line_and_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ORCHESTRA_API_CATALOG_DIR", str(bad_catalog(tmp_path / "catalog")))
    monkeypatch.setenv("ORCHESTRA_API_ENVIRONMENT", "development")
    with pytest.raises(SystemExit) as exited:
        run([])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'catalog' / 'beta.yaml'}:5: port:" in err
    assert "not starting" in err


def test_run_refuses_an_overlay_of_profiles_naming_a_template_it_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    overlay = tmp_path / "security-profiles.yaml"
    overlay.write_text("templates:\n  nowhere: root-init\n")
    monkeypatch.setenv("ORCHESTRA_API_CATALOG_DIR", str(write_catalog(tmp_path / "catalog")))
    monkeypatch.setenv("ORCHESTRA_API_CATALOG_PROFILES", str(overlay))
    monkeypatch.setenv("ORCHESTRA_API_IDENTITY", "trusted-headers")
    monkeypatch.setenv("ORCHESTRA_API_ENVIRONMENT", "development")
    with pytest.raises(SystemExit) as exited:
        run([])
    assert exited.value.code == 2
    assert f"{overlay}:2: templates.nowhere: no template 'nowhere'" in capsys.readouterr().err


def test_run_refuses_token_identity_without_an_issuer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The default identity is "token"; with no issuer nobody could ever be identified.
    monkeypatch.setenv("ORCHESTRA_API_CATALOG_DIR", str(write_catalog(tmp_path / "catalog")))
    monkeypatch.setenv("ORCHESTRA_API_ENVIRONMENT", "development")
    with pytest.raises(SystemExit) as exited:
        run([])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "ORCHESTRA_API_OIDC_ISSUER" in err
    assert "ORCHESTRA_API_IDENTITY=trusted-headers" in err
    assert "not starting" in err


def test_the_installed_command_exits_nonzero_with_the_problem_on_stderr(tmp_path: Path) -> None:
    command = Path(sys.executable).parent / "orchestra-api"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRA_")},
        "ORCHESTRA_API_CATALOG_DIR": str(bad_catalog(tmp_path / "catalog")),
        "ORCHESTRA_API_ENVIRONMENT": "development",
    }
    done = subprocess.run(
        [str(command)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "beta.yaml:5: port:" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_a_placeholder_gate_secret_outside_development_stops_the_installed_command() -> None:
    command = Path(sys.executable).parent / "orchestra-api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRA_")}
    done = subprocess.run(
        [str(command)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "gate_ticket_secret is a placeholder" in done.stderr
    assert "Traceback" not in done.stderr
