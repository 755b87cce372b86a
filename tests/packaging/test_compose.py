"""docker-compose.yml cannot run here (no Docker engine); check what can be checked offline:
the Compose Specification's own JSON Schema, the images it builds, every variable it sets
being a setting of that service, and the migration before everything that reads Postgres."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic_settings import BaseSettings

from orchestra_api.config import ApiSettings
from orchestra_expiry.config import ExpirySettings
from orchestra_gate.config import GateSettings
from orchestra_operator.config import OperatorSettings
from orchestra_sync.config import SyncSettings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS: dict[str, type[BaseSettings]] = {
    "api": ApiSettings,
    "operator": OperatorSettings,
    "sync": SyncSettings,
    "expiry": ExpirySettings,
    "gate": GateSettings,
}
SPEC = Path(__file__).parent / "compose_spec" / "compose-spec.json"
READS_POSTGRES = ("api", "sync", "expiry", "gate")


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_compose_follows_the_compose_specification() -> None:
    schema = json.loads(SPEC.read_text())
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(compose()), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_the_specification_refuses_what_compose_would() -> None:
    """The vendored schema is strict enough to matter: a misspelt key fails it."""
    schema = json.loads(SPEC.read_text())
    broken = compose()
    broken["services"]["api"]["depend_on"] = ["migrate"]
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_compose_has_the_infrastructure_the_services_the_gate_and_the_dashboard() -> None:
    services = compose()["services"]
    assert {"nats", "postgres", "migrate", "dashboard", *SETTINGS} <= set(services)
    assert "-js" in services["nats"]["command"]


@pytest.mark.parametrize("name", [*sorted(SETTINGS), "dashboard", "migrate"])
def test_each_service_builds_from_its_own_dockerfile(name: str) -> None:
    build = compose()["services"][name]["build"]
    context = ROOT / build["context"]
    assert context == ROOT
    image = "api" if name == "migrate" else name
    assert build["dockerfile"] == f"deploy/images/{image}.Dockerfile"
    assert (context / build["dockerfile"]).is_file()


@pytest.mark.parametrize("name", READS_POSTGRES)
def test_what_reads_postgres_starts_after_the_migration(name: str) -> None:
    services = compose()["services"]
    assert services[name]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}


@pytest.mark.parametrize("name", ["operator", "sync"])
def test_the_kubernetes_clients_read_a_kubeconfig_on_the_kind_network(name: str) -> None:
    data = compose()
    service = data["services"][name]
    assert "kind" in service["networks"]
    assert data["networks"]["kind"] == {"external": True, "name": "kind"}
    (volume,) = service["volumes"]
    source, target, mode = volume.rsplit(":", 2)
    assert source.endswith("./.kind/kubeconfig}")
    assert mode == "ro"
    assert service["environment"][f"ORCHESTRA_{name.upper()}_KUBECONFIG"] == target
    script = (ROOT / "scripts" / "kind.sh").read_text()
    # What kind.sh writes is what compose mounts: the internal address, readable by uid 10001.
    assert 'kind get kubeconfig --internal --name "$CLUSTER" > "$KUBE_DIR/kubeconfig"' in script
    assert 'chmod 0644 "$KUBE_DIR/kubeconfig"' in script
    assert "charts/orchestra/crds/workshops.yaml" in script


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_every_variable_compose_sets_is_a_setting_of_that_service(name: str) -> None:
    settings = SETTINGS[name]
    prefix = str(settings.model_config.get("env_prefix", ""))
    environment = compose()["services"][name].get("environment", {})
    assert environment, f"{name} gets no configuration"
    for variable in environment:
        if variable.startswith("OTEL_"):
            continue  # the OpenTelemetry SDK's own variables (checked below)
        assert variable.startswith(prefix), f"{variable} is not for {name}"
        field = variable.removeprefix(prefix).lower()
        assert field in settings.model_fields, f"{variable} matches no setting of {name}"


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_every_service_sends_traces_to_jaeger_and_is_scraped(name: str) -> None:
    services = compose()["services"]
    assert services[name]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4318"
    assert services["jaeger"]["environment"]["COLLECTOR_OTLP_ENABLED"] == "true"
    scrape = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    targets = {
        target
        for job in scrape["scrape_configs"]
        for group in job["static_configs"]
        for target in group["targets"]
    }
    port = services[name]["environment"].get(
        f"ORCHESTRA_{name.upper()}_METRICS_PORT",
        services[name]["environment"].get("ORCHESTRA_API_PORT"),
    )
    assert f"{name}:{port}" in targets


def test_the_grafana_dashboard_queries_only_metrics_the_services_export() -> None:
    dashboard = json.loads(
        (ROOT / "charts" / "orchestra" / "files" / "dashboards" / "launch-funnel.json").read_text()
    )
    exported = set()
    for source in (ROOT / "services").glob("*/src/*/*.py"):
        exported |= set(re.findall(r'"(orchestra_[a-z_]+)"', source.read_text()))
    queried = {
        re.sub(r"_(bucket|total|count|sum)$", "", name)
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"orchestra_[a-z_]+", target["expr"])
    }
    exported_bases = {re.sub(r"_total$", "", name) for name in exported}
    assert queried, "the dashboard queries nothing"
    assert queried <= exported_bases, queried - exported_bases
