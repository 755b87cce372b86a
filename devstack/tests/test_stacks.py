"""The settings the launcher gives each service: the api and the operator read one catalog."""

from __future__ import annotations

from pathlib import Path

from orchestra_devstack.environments import Front, service_environment
from orchestra_devstack.stacks import StackOptions

PASSWORDS = dict.fromkeys(("api", "operator", "sync", "expiry"), "p")


def environment(options: StackOptions, tmp_path: Path) -> dict[str, dict[str, str]]:
    return service_environment(
        options,
        nats_url="nats://x",
        nats_passwords=PASSWORDS,
        dsn="postgresql://x",
        kubeconfig=tmp_path / "k",
        emulated=True,
        front=Front(dashboard_port=1, gate_port=2, standin_port=3),
    )


def test_the_operator_builds_from_the_catalog_the_api_launches_from(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    options = StackOptions(root=tmp_path, workdir=tmp_path, catalog_dir=catalog)
    env = environment(options, tmp_path)
    assert env["operator"]["ORCHESTRA_OPERATOR_CATALOG_DIR"] == str(catalog)
    assert env["api"]["ORCHESTRA_API_CATALOG_DIR"] == str(catalog)


def test_by_default_both_read_the_charts_catalog(tmp_path: Path) -> None:
    options = StackOptions(root=tmp_path, workdir=tmp_path)
    env = environment(options, tmp_path)
    chart = str(tmp_path / "charts" / "orchestra" / "files" / "templates")
    assert env["operator"]["ORCHESTRA_OPERATOR_CATALOG_DIR"] == chart
    assert env["api"]["ORCHESTRA_API_CATALOG_DIR"] == chart


def test_both_get_the_same_overlay_of_security_profiles(tmp_path: Path) -> None:
    overlay = tmp_path / "profiles.yaml"
    options = StackOptions(root=tmp_path, workdir=tmp_path, profiles_file=overlay)
    env = environment(options, tmp_path)
    assert env["operator"]["ORCHESTRA_OPERATOR_CATALOG_PROFILES"] == str(overlay)
    assert env["api"]["ORCHESTRA_API_CATALOG_PROFILES"] == str(overlay)
