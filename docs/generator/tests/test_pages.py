"""Each generated page says what its source in the code says: a changed field changes the page."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from pydantic_settings import BaseSettings

from orchestra_docs.documents import Document
from orchestra_docs.pages import catalog, crds, events, openapi, settings, templates, tools, values
from orchestra_shared import subjects
from orchestra_shared.templates import template_json_schema

REPO = Path(__file__).resolve().parents[3]


def only_text(documents: list[Document]) -> str:
    (document,) = documents
    return document.text


def test_the_template_page_lists_every_field_of_the_schema_nested_ones_too() -> None:
    text = only_text(templates.generate(REPO))
    schema = template_json_schema()
    properties = schema["properties"]
    assert isinstance(properties, dict)
    for name in properties:
        assert f"| `{name}`" in text, name
    for nested in (
        "resources.cpu",
        "resources.memoryRequest",
        "storage.size",
        "storage.workspace.persist",
    ):
        assert f"| `{nested}`" in text, nested


def test_every_setting_of_every_service_appears_with_its_variable() -> None:
    text = only_text(settings.generate(REPO))
    for _, cls in settings.SERVICES:
        prefix = str(cls.model_config.get("env_prefix", ""))
        for name, info in cls.model_fields.items():
            if info.validation_alias is None:
                assert f"`{prefix}{name}`".upper() in text.upper(), name
    assert "`OTEL_EXPORTER_OTLP_ENDPOINT`" in text
    assert "`ORCHESTRA_OPERATOR_QUOTA__CPU`" in text
    assert "`ORCHESTRA_EXPIRY_WARNING_LEADS` | list of int | `[900, 300]`" in text


def test_a_default_computed_by_a_function_is_described_not_evaluated() -> None:
    text = only_text(settings.generate(REPO))
    row = next(line for line in text.splitlines() if "`ORCHESTRA_OPERATOR_IDENTITY`" in line)
    assert "computed: Host name and pid" in row


def test_a_settings_class_of_ones_own_is_rendered_the_same_way() -> None:
    class Demo(BaseSettings):
        model_config = {"env_prefix": "DEMO_"}
        retries: int = 3
        """Unused docstring: descriptions come from Field."""

    (setting,) = settings.settings_of(Demo)
    assert setting.variables == ("DEMO_RETRIES",)
    assert (setting.type, setting.default) == ("int", "`3`")


def test_the_asyncapi_document_has_every_subject_with_its_payload_and_publishers() -> None:
    document = events.asyncapi_document()
    assert document["asyncapi"].startswith("3.")
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert set(subjects.SUBJECT_BY_TYPE.values()) <= addresses
    for spec in events.CONSUMERS:
        assert subjects.dead_letter_subject(spec.durable) in addresses
    assert events.publishers_of(subjects.LAUNCH_REQUESTED) == ["api"]
    assert events.publishers_of(subjects.STATUS_CHANGED) == ["sync"]
    assert set(events.publishers_of(subjects.TERMINATE_REQUESTED)) == {"api", "sync", "expiry"}


def test_the_events_page_shows_each_events_fields() -> None:
    documents = events.generate(REPO)
    page = next(d for d in documents if d.path.suffix == ".md")
    for kind, model in events.event_models().items():
        assert f"## {kind}" in page.text
        for field in model.model_fields:
            assert f"| `{field}`" in page.text, (kind, field)
    published = json.loads(next(d for d in documents if d.path.suffix == ".json").text)
    assert published == events.asyncapi_document()


def test_the_crd_page_lists_the_crds_spec_and_status_fields() -> None:
    text = only_text(crds.generate(REPO))
    crd = yaml.safe_load((REPO / crds.CRD).read_text())
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]
    for part in ("spec", "status"):
        for name in schema[part]["properties"]:
            assert f"| `{part}.{name}`" in text, (part, name)


def test_the_values_page_is_skipped_without_a_schema_and_written_with_one(tmp_path: Path) -> None:
    assert values.generate(tmp_path) == []
    target = tmp_path / values.SCHEMA
    target.parent.mkdir(parents=True)
    target.write_text(
        json.dumps(
            {
                "type": "object",
                "properties": {
                    "operator": {
                        "type": "object",
                        "properties": {"replicas": {"type": "integer", "default": 2}},
                    }
                },
            }
        )
    )
    text = only_text(values.generate(tmp_path))
    assert "| `operator.replicas` | integer | `2` |" in text


def test_the_catalog_page_shows_every_template_file_verbatim() -> None:
    text = only_text(catalog.generate(REPO))
    for path in sorted((REPO / catalog.CATALOG).glob("*.yaml")):
        assert f"## {path.stem}" in text
        assert path.read_text().rstrip("\n") in text


def test_the_openapi_document_is_the_apis() -> None:
    (document,) = openapi.generate(REPO)
    spec = json.loads(document.text)
    assert "/api/v1/instances" in spec["paths"]
    assert spec["paths"]["/api/v1/instances"]["post"]["operationId"] == "launchInstance"


def test_the_tools_page_is_each_commands_own_help() -> None:
    text = only_text(tools.generate(REPO))
    for name, _, words in tools.COMMANDS:
        assert f"## {' '.join((name, *words))}\n" in text
    assert text.count("usage: ") == len(tools.COMMANDS)
    assert "--format {text,github}" in text
    assert "--kubeconfig KUBECONFIG" in text
