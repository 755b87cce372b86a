"""Loading whole catalogs: the default one in the chart, and the cross-file rules."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from orchestra_shared.catalogs import CatalogError, TemplateLimits, load_catalog

from .conftest import CHART_CATALOG, REFERENCE_TEMPLATES, VALID, changed


def test_the_chart_catalog_loads() -> None:
    catalog = load_catalog(CHART_CATALOG)
    assert {"bioc2026-intro-workshop", "jupyter", "ontoproc2c", "rstudio"} <= set(catalog.templates)


def test_reference_templates_keep_their_text() -> None:
    catalog = load_catalog(CHART_CATALOG)
    rstudio = catalog.templates["rstudio"]
    assert rstudio.image == "bioconductor/bioconductor_docker:RELEASE_3_20"
    assert rstudio.default_duration == timedelta(hours=4)
    jupyter = catalog.templates["jupyter"]
    assert jupyter.args == ["start-notebook.py", "--IdentityProvider.token=''"]
    ontoproc = catalog.templates["ontoproc2c"]
    assert ontoproc.storage is not None
    assert ontoproc.storage.workspace is not None
    assert ontoproc.storage.workspace.persist == "per-user"
    bioc = catalog.templates["bioc2026-intro-workshop"]
    assert bioc.description.startswith("Workshop introducing new users of Bioconductor")
    assert "\n\n- Understanding and using Bioconductor Objects\n" in bioc.description
    assert (bioc.resources.cpu, bioc.resources.cpu_request) == ("1", "500m")


def test_templates_without_max_duration_get_the_platform_maximum() -> None:
    limits = TemplateLimits(max_duration=timedelta(hours=8))
    catalog = load_catalog(CHART_CATALOG, limits=limits)
    assert {t.max_duration for t in catalog.templates.values()} == {timedelta(hours=8)}


def test_every_file_in_the_chart_catalog_declares_the_schema() -> None:
    for path in sorted(CHART_CATALOG.glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=./template.schema.json", path


@pytest.mark.skipif(not REFERENCE_TEMPLATES.is_dir(), reason="no ../shared/reference-templates")
def test_the_chart_copies_of_the_reference_templates_are_unchanged() -> None:
    references = sorted(REFERENCE_TEMPLATES.glob("*.yaml"))
    assert references
    for reference in references:
        assert (CHART_CATALOG / reference.name).read_bytes() == reference.read_bytes()


def test_get_and_visibility(tmp_path: Path) -> None:
    (tmp_path / "demo.yaml").write_text(VALID)
    hidden = changed("slug: demo", "slug: hidden", changed("enabled: true", "enabled: false"))
    (tmp_path / "hidden.yaml").write_text(hidden)
    (tmp_path / "template.schema.json").write_text("{}")  # not a template: ignored
    catalog = load_catalog(tmp_path)
    assert catalog.get("hidden") is not None
    assert catalog.get("nope") is None
    assert [t.slug for t in catalog.visible(admin=False)] == ["demo"]
    assert [t.slug for t in catalog.visible(admin=True)] == ["demo", "hidden"]


def test_a_duplicate_slug_names_both_files(tmp_path: Path) -> None:
    (tmp_path / "demo.yaml").write_text(VALID)
    (tmp_path / "demo.yml").write_text(VALID)
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path / 'demo.yml'}:3: slug: slug 'demo' is already used by {tmp_path / 'demo.yaml'}"
    ]


def test_problems_of_every_file_are_reported_together(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("")
    (tmp_path / "b.yaml").write_text("- b\n")
    (tmp_path / "demo.yaml").write_text(changed("port: 8888", "port: 80"))
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    assert [(Path(p.file).name, p.field) for p in caught.value.problems] == [
        ("a.yaml", "(file)"),
        ("b.yaml", "(file)"),
        ("demo.yaml", "port"),
    ]
    assert str(caught.value).startswith("3 problems in the template catalog:\n")


def test_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path / "nowhere")
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path / 'nowhere'}: (file): no such directory"
    ]


def test_a_directory_without_templates(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    assert [p.message for p in caught.value.problems] == [
        "no template files (*.yaml) in this directory"
    ]
