"""docker-compose.yml cannot run here (no Docker engine); check what can be checked offline."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

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


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_compose_has_the_infrastructure_and_the_four_services() -> None:
    services = compose()["services"]
    assert {"nats", "postgres", "api", "operator", "sync", "expiry"} <= set(services)
    assert "-js" in services["nats"]["command"]


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_each_service_builds_from_an_existing_context_and_dockerfile(name: str) -> None:
    build = compose()["services"][name]["build"]
    context = ROOT / build["context"]
    assert context.is_dir()
    assert (context / build["dockerfile"]).is_file()
    assert build["args"]["SERVICE"] == name
    assert (ROOT / "services" / name / "pyproject.toml").is_file()


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
