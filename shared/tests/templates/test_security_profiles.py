"""Security profiles: declared in a template, or filled in by the platform's overlay file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from orchestra_shared.catalogs import CatalogError, load_catalog, load_template_file
from orchestra_shared.workshops import spec_from_template

from .conftest import CHART_CATALOG, REFERENCE_TEMPLATES, VALID, WriteTemplate, changed

CHART_OVERLAY = CHART_CATALOG.parent / "security-profiles.yaml"
EXPIRES = datetime(2026, 1, 1, tzinfo=UTC)


def problems(directory: Path, overlay: Path | None) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog(directory, profiles=overlay)
    return [str(problem) for problem in caught.value.problems]


def catalog_of(tmp_path: Path, **templates: str) -> Path:
    directory = tmp_path / "catalog"
    directory.mkdir()
    for slug, text in templates.items():
        (directory / f"{slug}.yaml").write_text(changed("slug: demo", f"slug: {slug}", text))
    return directory


def overlay(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "security-profiles.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_template_may_declare_its_profile(write_template: WriteTemplate) -> None:
    template = load_template_file(write_template(VALID + "securityProfile: root-init\n"))
    assert template.security_profile == "root-init"
    spec = spec_from_template(template, owner="a@example.org", expires_at=EXPIRES)
    assert spec.security_profile == "root-init"


def test_a_template_that_says_nothing_runs_restricted(write_template: WriteTemplate) -> None:
    template = load_template_file(write_template())
    assert template.security_profile is None
    spec = spec_from_template(template, owner="a@example.org", expires_at=EXPIRES)
    assert spec.security_profile == "restricted"


def test_an_unknown_profile_names_file_line_and_field(write_template: WriteTemplate) -> None:
    path = write_template(VALID + "securityProfile: privileged\n")
    with pytest.raises(CatalogError) as caught:
        load_template_file(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:15: securityProfile: Input should be 'restricted' or 'root-init', "
        "got the text 'privileged'"
    ]


def test_a_misspelt_field_is_pointed_at(write_template: WriteTemplate) -> None:
    path = write_template(VALID + "securityprofile: root-init\n")
    with pytest.raises(CatalogError) as caught:
        load_template_file(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:15: securityprofile: unknown field 'securityprofile'; "
        "did you mean 'securityProfile'?"
    ]


def test_without_an_overlay_every_undeclared_template_is_restricted(tmp_path: Path) -> None:
    directory = catalog_of(tmp_path, demo=VALID, own=VALID + "securityProfile: root-init\n")
    catalog = load_catalog(directory)
    assert {s: t.security_profile for s, t in catalog.templates.items()} == {
        "demo": "restricted",
        "own": "root-init",
    }


def test_the_overlay_fills_in_entries_then_its_default(tmp_path: Path) -> None:
    directory = catalog_of(tmp_path, demo=VALID, listed=VALID)
    path = overlay(tmp_path, "default: root-init\ntemplates:\n  listed: restricted\n")
    catalog = load_catalog(directory, profiles=path)
    assert {s: t.security_profile for s, t in catalog.templates.items()} == {
        "demo": "root-init",
        "listed": "restricted",
    }


def test_an_overlay_that_agrees_with_a_template_is_accepted(tmp_path: Path) -> None:
    directory = catalog_of(tmp_path, demo=VALID + "securityProfile: root-init\n")
    path = overlay(tmp_path, "templates:\n  demo: root-init\n")
    assert load_catalog(directory, profiles=path).templates["demo"].security_profile == "root-init"


def test_the_overlay_may_not_contradict_a_template(tmp_path: Path) -> None:
    directory = catalog_of(tmp_path, demo=VALID + "securityProfile: restricted\n")
    path = overlay(tmp_path, "# checked by hand\ntemplates:\n  demo: root-init\n")
    assert problems(directory, path) == [
        f"{path}:3: templates.demo: 'demo' declares securityProfile restricted in its own "
        "file; the overlay says root-init: keep only one"
    ]


def test_the_overlay_may_not_name_a_template_the_catalog_lacks(tmp_path: Path) -> None:
    directory = catalog_of(tmp_path, demo=VALID)
    path = overlay(tmp_path, "templates:\n  demo: root-init\n  gone: root-init\n")
    (problem,) = problems(directory, path)
    assert problem.startswith(f"{path}:3: templates.gone: no template 'gone' in the catalog;")


def test_an_entry_for_a_broken_template_waits_for_its_file_to_be_fixed(tmp_path: Path) -> None:
    directory = catalog_of(tmp_path, demo=changed("port: 8888", "port: 80"))
    path = overlay(tmp_path, "templates:\n  demo: root-init\n")
    assert [p.split(": ")[1] for p in problems(directory, path)] == ["port"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "default: root\n",
            "1: default: Input should be 'restricted' or 'root-init', got the text 'root'",
        ),
        (
            "templates:\n  demo: yes\n",
            '2: templates.demo: YAML reads unquoted yes as the boolean true; quote it ("yes") '
            "to keep the text",
        ),
        (
            "defaults: restricted\n",
            "1: defaults: unknown field 'defaults'; did you mean 'default'?",
        ),
        ("templates:\n  Demo_1: root-init\n", "2: templates.Demo_1: 'Demo_1' is not a valid slug"),
        ("templates: [demo]\n", "1: templates: Input should be a valid dictionary"),
    ],
)
def test_a_bad_overlay_names_its_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    directory = catalog_of(tmp_path, demo=VALID)
    path = overlay(tmp_path, text)
    (problem,) = problems(directory, path)
    assert problem.startswith(f"{path}:{expected}")


def test_a_missing_overlay_file_is_a_problem(tmp_path: Path) -> None:
    directory = catalog_of(tmp_path, demo=VALID)
    (problem,) = problems(directory, tmp_path / "nowhere.yaml")
    assert problem.startswith(f"{tmp_path / 'nowhere.yaml'}: (file): cannot read")


def test_the_chart_catalog_loads_with_its_overlay() -> None:
    catalog = load_catalog(CHART_CATALOG, profiles=CHART_OVERLAY)
    assert {t.security_profile for t in catalog.templates.values()} == {"restricted", "root-init"}


@pytest.mark.skipif(not REFERENCE_TEMPLATES.is_dir(), reason="no ../shared/reference-templates")
def test_the_reference_templates_load_unchanged_with_the_chart_overlay() -> None:
    plain = load_catalog(REFERENCE_TEMPLATES)
    overlaid = load_catalog(REFERENCE_TEMPLATES, profiles=CHART_OVERLAY)
    assert set(plain.templates) == set(overlaid.templates)
    for slug, template in plain.templates.items():
        assert template.security_profile == "restricted"  # none of them declares one
        resolved = overlaid.templates[slug]
        assert resolved.model_copy(update={"security_profile": "restricted"}) == template
    assert {t.security_profile for t in overlaid.templates.values()} == {"restricted", "root-init"}
