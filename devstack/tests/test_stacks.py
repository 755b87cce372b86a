"""The settings the launcher gives each service: the api and the operator read one catalog."""

from __future__ import annotations

from pathlib import Path

from orchestra_devstack.stacks import StackOptions, service_environment


def test_the_operator_builds_from_the_catalog_the_api_launches_from(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    options = StackOptions(root=tmp_path, workdir=tmp_path, catalog_dir=catalog)
    env = service_environment(
        options, nats_url="nats://x", dsn="postgresql://x", kubeconfig=tmp_path / "k", emulated=True
    )
    assert env["operator"]["ORCHESTRA_OPERATOR_CATALOG_DIR"] == str(catalog)
    assert env["api"]["ORCHESTRA_API_CATALOG_DIR"] == str(catalog)


def test_by_default_both_read_the_charts_catalog(tmp_path: Path) -> None:
    options = StackOptions(root=tmp_path, workdir=tmp_path)
    env = service_environment(
        options, nats_url="nats://x", dsn="postgresql://x", kubeconfig=tmp_path / "k", emulated=True
    )
    chart = str(tmp_path / "charts" / "orchestra" / "files" / "templates")
    assert env["operator"]["ORCHESTRA_OPERATOR_CATALOG_DIR"] == chart
    assert env["api"]["ORCHESTRA_API_CATALOG_DIR"] == chart
