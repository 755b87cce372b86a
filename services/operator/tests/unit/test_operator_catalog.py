"""The operator reads its own catalog at start-up, and a bad one stops it (as it stops the api)."""

from pathlib import Path
from typing import Any

import pytest

from orchestra_operator.main import read_catalog

CHART_CATALOG = Path(__file__).resolve().parents[4] / "charts" / "orchestra" / "files" / "templates"


def test_the_charts_catalog_is_read(make_settings: Any) -> None:
    catalog = read_catalog(make_settings(catalog_dir=CHART_CATALOG))
    assert {"jupyter", "rstudio", "vscode"} <= set(catalog.templates)


def test_a_bad_catalog_stops_the_operator_and_says_where(
    tmp_path: Path, make_settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.yaml").write_text("name: Broken\nslug: broken\nport: eighty\n")
    with pytest.raises(SystemExit) as stopped:
        read_catalog(make_settings(catalog_dir=tmp_path))
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'broken.yaml'}:3: port:" in err
    assert "not starting" in err


def test_a_missing_catalog_stops_the_operator(tmp_path: Path, make_settings: Any) -> None:
    with pytest.raises(SystemExit):
        read_catalog(make_settings(catalog_dir=tmp_path / "absent"))
