"""The JSON Schema for editors: committed, in step with the model, and agreeing with it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestra_shared.catalogs import load_template_file
from orchestra_shared.templates import (
    ENV_NAME_PATTERN,
    IMAGE_PATTERN,
    SLUG_PATTERN,
    Resources,
    Storage,
    Template,
    Workspace,
    template_json_schema,
)

from .conftest import CHART_CATALOG

SCHEMA_FILE = CHART_CATALOG / "template.schema.json"
VALIDATOR = jsonschema.Draft202012Validator(template_json_schema())


def test_the_committed_schema_is_the_generated_one() -> None:
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    generated = json.loads(json.dumps(template_json_schema()))
    assert committed == generated, "run: orchestra templates schema --write"


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(template_json_schema())


def test_the_chart_catalog_passes_the_editor_check() -> None:
    for path in sorted(CHART_CATALOG.glob("*.yaml")):
        VALIDATOR.validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def _text(min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[str]:
    # Control characters and surrogates cannot be written in a YAML file at all.
    alphabet = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))
    return st.text(alphabet=alphabet, min_size=min_size, max_size=max_size)


def _minutes(low: int, high: int) -> st.SearchStrategy[timedelta]:
    return st.integers(low, high).map(lambda n: timedelta(minutes=n))


@st.composite
def _resources(draw: st.DrawFn) -> Resources:
    cpu = draw(st.integers(1, 8000))
    memory = draw(st.integers(1, 32 * 1024))
    scratch = draw(st.integers(1, 50 * 1024))
    return Resources(
        cpu=f"{cpu}m" if cpu % 1000 else str(cpu // 1000),
        memory=f"{memory}Mi",
        cpu_request=f"{draw(st.integers(1, cpu))}m",
        memory_request=f"{draw(st.integers(1, memory))}Mi",
        ephemeral_storage=f"{scratch}Mi",
        ephemeral_storage_request=f"{draw(st.integers(1, scratch))}Mi",
    )


_storage = st.builds(
    Storage,
    size=st.integers(1, 100).map(lambda n: f"{n}Gi"),
    storage_class=st.none() | st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
    workspace=st.none() | st.builds(Workspace, persist=st.sampled_from([None, "per-user"])),
)


@st.composite
def templates(draw: st.DrawFn) -> Template:
    default = draw(_minutes(1, 24 * 60))
    return Template(
        name=draw(_text(1, 100)),
        slug=draw(st.from_regex(SLUG_PATTERN, fullmatch=True)),
        description=draw(_text(1, 200)),
        image=draw(st.from_regex(IMAGE_PATTERN, fullmatch=True)),
        default_duration=default,
        max_duration=draw(_minutes(int(default.total_seconds()) // 60, 24 * 60)),
        port=draw(st.integers(1024, 65535)),
        tier=draw(st.sampled_from(["small", "large"])),
        env=draw(st.dictionaries(st.from_regex(ENV_NAME_PATTERN, fullmatch=True), _text())),
        args=draw(st.lists(_text(), max_size=4)),
        resources=draw(_resources()),
        storage=draw(st.none() | _storage),
        tags=draw(st.lists(_text(1), max_size=4)),
        enabled=draw(st.booleans()),
        url=draw(st.none() | st.sampled_from(["https://example.org/course", "http://x.io/"])),
        source_url=draw(st.none() | st.just("https://github.com/org/repo/tree/main")),
        submitted_by=draw(st.none() | _text(1)),
        startup_timeout=draw(_minutes(1, 60)),
        security_profile=draw(st.sampled_from([None, "restricted", "root-init"])),
    )


def _as_file(template: Template) -> dict[str, Any]:
    return template.model_dump(mode="json", by_alias=True, exclude_defaults=True)


@settings(max_examples=50)
@given(templates())
def test_valid_templates_pass_the_json_schema(template: Template) -> None:
    VALIDATOR.validate(_as_file(template))


@settings(max_examples=50)
@given(templates())
def test_the_json_form_reads_back_to_the_same_template(template: Template) -> None:
    assert Template.model_validate(_as_file(template)) == template


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50)
@given(template=templates())
def test_a_template_written_as_yaml_loads_back_unchanged(
    tmp_path: Path, template: Template
) -> None:
    path = tmp_path / f"{template.slug}.yaml"
    path.write_text(yaml.safe_dump(_as_file(template), allow_unicode=True, sort_keys=False))
    assert load_template_file(path) == template


@settings(max_examples=30)
@given(templates(), st.sampled_from(["imgae", "cpu_request", "maxduration"]))
def test_an_unknown_key_fails_both_the_schema_and_the_model(template: Template, key: str) -> None:
    data = {**_as_file(template), key: "x"}
    assert not VALIDATOR.is_valid(data)
    assert not _model_accepts(data)


def _model_accepts(data: dict[str, Any]) -> bool:
    try:
        Template.model_validate(data, by_alias=True, by_name=False)
    except ValueError:
        return False
    return True
