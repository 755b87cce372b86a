"""What the chart hands the services is what they accept: the catalog ConfigMap loads with
the real catalog loader, and each container's environment builds its settings class."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orchestra_shared.catalogs import load_catalog
from tests.chart.rendering import RELEASE, Rendered, env_of
from tests.chart.test_workloads import SETTINGS, orchestra_containers

STRONG = "x" * 48  # stands in for what a secretKeyRef would give


def catalog_on_disk(rendered: Rendered, service: str, root: Path) -> Path:
    """The catalog as the container sees it: the ConfigMap's items at their paths."""
    spec = rendered.find("Deployment", f"{RELEASE}-{service}")["spec"]["template"]["spec"]
    (volume,) = [v for v in spec["volumes"] if v["name"] == "catalog"]
    data = rendered.find("ConfigMap", volume["configMap"]["name"])["data"]
    for item in volume["configMap"]["items"]:
        target = root / item["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(data[item["key"]])
    (mount,) = [m for m in spec["containers"][0]["volumeMounts"] if m["name"] == "catalog"]
    env = env_of(spec["containers"][0])
    prefix = f"ORCHESTRA_{service.upper()}_"
    for variable in ("CATALOG_DIR", "CATALOG_PROFILES"):
        assert env[prefix + variable]["value"].startswith(mount["mountPath"] + "/")
    return root


@pytest.mark.parametrize("service", ["api", "operator"])
def test_the_catalog_configmap_loads_as_the_services_load_it(
    rendered_by: Callable[[str], Rendered], service: str, tmp_path: Path
) -> None:
    production = rendered_by("production")
    root = catalog_on_disk(production, service, tmp_path)
    catalog = load_catalog(root / "templates", profiles=root / "security-profiles.yaml")
    assert "genomics-course" in catalog.templates  # values' catalog.extraTemplates
    assert "ontoproc2c" not in catalog.templates  # catalog.excludeTemplates
    assert {"jupyter", "rstudio"} <= set(catalog.templates)
    assert catalog.templates["genomics-course"].security_profile == "root-init"


def test_a_catalog_change_rolls_the_api_and_the_operator(
    rendered_by: Callable[[str], Rendered],
) -> None:
    def checksums(rendered: Rendered) -> set[str]:
        return {
            rendered.find("Deployment", f"{RELEASE}-{service}")["spec"]["template"]["metadata"][
                "annotations"
            ]["checksum/config"]
            for service in ("api", "operator")
        }

    default, production = checksums(rendered_by("default")), checksums(rendered_by("production"))
    assert len(default) == 1, "the api and the operator must roll together"
    assert len(production) == 1
    assert default != production


def test_each_containers_environment_is_accepted_by_its_settings(
    rendered: Rendered, monkeypatch: pytest.MonkeyPatch
) -> None:
    for service, container in orchestra_containers(rendered):
        if service == "dashboard":
            continue
        with monkeypatch.context() as patch:
            for name, entry in env_of(container).items():
                if "value" in entry:
                    value = entry["value"]
                elif "secretKeyRef" in entry["valueFrom"]:
                    value = "postgresql://u:p@db:5432/orchestra" if "DSN" in name else STRONG
                else:
                    value = f"from-{entry['valueFrom']['fieldRef']['fieldPath']}"
                patch.setenv(name, value)
            settings = SETTINGS[service]()
        if service == "api" and container.get("args") != ["migrate"]:
            assert settings.identity_problem is None  # type: ignore[attr-defined]
