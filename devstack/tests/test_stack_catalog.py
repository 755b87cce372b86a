"""The dev stack hands the api the chart's catalog with the chart's overlay of profiles."""

from __future__ import annotations

from pathlib import Path

from orchestra_devstack.environments import BUS_USERS, Front, service_environment
from orchestra_devstack.stacks import StackOptions

ROOT = Path(__file__).resolve().parents[2]


def api_env(options: StackOptions) -> dict[str, str]:
    env = service_environment(
        options,
        nats_url="nats://x",
        nats_passwords=dict.fromkeys(BUS_USERS, "p"),
        dsn="postgresql://x",
        kubeconfig=Path("k"),
        emulated=True,
        front=Front(dashboard_port=1, gate_port=2, standin_port=3),
    )
    return env["api"]


def test_the_chart_catalog_comes_with_the_charts_overlay(tmp_path: Path) -> None:
    env = api_env(StackOptions(root=ROOT, workdir=tmp_path))
    overlay = Path(env["ORCHESTRA_API_CATALOG_PROFILES"])
    assert overlay == ROOT / "charts" / "orchestra" / "files" / "security-profiles.yaml"
    assert overlay.is_file()


def test_another_catalog_gets_an_overlay_only_when_given_one(tmp_path: Path) -> None:
    alone = api_env(StackOptions(root=ROOT, workdir=tmp_path, catalog_dir=tmp_path))
    assert "ORCHESTRA_API_CATALOG_PROFILES" not in alone
    given = tmp_path / "profiles.yaml"
    both = StackOptions(root=ROOT, workdir=tmp_path, catalog_dir=tmp_path, profiles_file=given)
    assert api_env(both)["ORCHESTRA_API_CATALOG_PROFILES"] == str(given)
