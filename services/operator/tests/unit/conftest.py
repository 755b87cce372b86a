"""Fixtures of the operator's unit tests: settings that no environment variable can change,
and Workshop specs of each storage shape (as fixtures: test modules cannot import this one)."""

import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from orchestra_operator.config import OperatorSettings, TierPlacement
from orchestra_shared.workshops import ContainerResources, WorkshopSpec, WorkshopStorage

SettingsFactory = Callable[..., OperatorSettings]
SpecFactory = Callable[..., WorkshopSpec]
OWNER = "Ada.Lovelace@Example.org"
EXPIRES_AT = datetime(2026, 11, 22, 13, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what a test passes reaches ``OperatorSettings``."""
    for key in list(os.environ):
        if key.upper().startswith("ORCHESTRA_"):
            monkeypatch.delenv(key)


def _settings(**overrides: Any) -> OperatorSettings:
    fields: dict[str, Any] = {
        "base_domain": "workshops.example.org",
        "ingress_class": "nginx",
        "tls_cluster_issuer": None,
        "url_scheme": "https",
        "namespace_prefix": "orchestra-u-",
        "egress_to_internet": True,
        "egress_denied_cidrs": ["10.0.0.0/8", "169.254.169.254/32"],
        "tiers": {
            "small": TierPlacement(),
            "large": TierPlacement(
                node_selector={"orchestra.io/pool": "large"},
                tolerations=[
                    {"key": "orchestra.io/large", "operator": "Exists", "effect": "NoSchedule"}
                ],
                priority_class="workshop-large",
            ),
        },
    }
    fields.update(overrides)
    return OperatorSettings(**fields)


@pytest.fixture
def make_settings() -> SettingsFactory:
    """Settings with every field the builders read given here, overridable per test."""
    return _settings


@pytest.fixture
def settings() -> OperatorSettings:
    return _settings()


def _spec(
    *, storage: WorkshopStorage | None = None, tier: str = "small", **overrides: Any
) -> WorkshopSpec:
    fields: dict[str, Any] = {
        "owner": OWNER,
        "template": "jupyter",
        "template_name": "JupyterLab",
        "image": "quay.io/jupyter/datascience-notebook:2024-10-07",
        "port": 8888,
        "env": {"JUPYTER_ENABLE_LAB": "yes", "A_FIRST": "1"},
        "args": ["start-notebook.py", "--IdentityProvider.token=''"],
        "resources": ContainerResources(
            limits={"cpu": "2", "memory": "4Gi", "ephemeral-storage": "8Gi"},
            requests={"cpu": "1", "memory": "2Gi", "ephemeral-storage": "1Gi"},
        ),
        "storage": storage,
        "tier": tier,
        "expires_at": EXPIRES_AT,
    }
    fields.update(overrides)
    return WorkshopSpec(**fields)


@pytest.fixture
def make_spec() -> SpecFactory:
    return _spec


@pytest.fixture
def specs() -> dict[str, WorkshopSpec]:
    """One spec of each shape the builders distinguish."""
    return {
        "no-storage": _spec(),
        "storage": _spec(storage=WorkshopStorage(size="10Gi", storage_class="fast")),
        "per-user": _spec(storage=WorkshopStorage(size="20Gi", persist="per-user"), tier="large"),
        "bare": _spec(env={}, args=[]),
    }
