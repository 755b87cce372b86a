"""docker-compose.yml cannot run here (no Docker engine); check what can be checked offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from orchestra_api.config import ApiSettings
from orchestra_expiry.config import ExpirySettings
from orchestra_operator.config import OperatorSettings
from orchestra_sync.config import SyncSettings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS: dict[str, type[BaseSettings]] = {
    "api": ApiSettings,
    "operator": OperatorSettings,
    "sync": SyncSettings,
    "expiry": ExpirySettings,
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
        assert variable.startswith(prefix), f"{variable} is not for {name}"
        field = variable.removeprefix(prefix).lower()
        assert field in settings.model_fields, f"{variable} matches no setting of {name}"
