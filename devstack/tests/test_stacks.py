"""The settings the launcher gives each service: the api and the operator read one catalog."""

from __future__ import annotations

from pathlib import Path

from orchestra_devstack.environments import BUS_USERS, Front, service_environment
from orchestra_devstack.stacks import StackOptions

PASSWORDS = dict.fromkeys(BUS_USERS, "p")


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


def test_kubernetes_clients_get_their_own_accounts_and_the_others_no_kubeconfig(
    tmp_path: Path,
) -> None:
    options = StackOptions(root=tmp_path, workdir=tmp_path)
    accounts = {"operator": tmp_path / "k-operator", "sync": tmp_path / "k-sync"}
    env = service_environment(
        options,
        nats_url="nats://x",
        nats_passwords=PASSWORDS,
        dsn="postgresql://x",
        kubeconfig=tmp_path / "k",
        service_kubeconfigs=accounts,
        emulated=True,
        front=Front(dashboard_port=1, gate_port=2, standin_port=3),
    )
    assert env["operator"]["ORCHESTRA_OPERATOR_KUBECONFIG"] == str(accounts["operator"])
    assert env["sync"]["ORCHESTRA_SYNC_KUBECONFIG"] == str(accounts["sync"])
    # The Lease its Role names: orchestra-operator in the release namespace.
    assert env["operator"]["ORCHESTRA_OPERATOR_LEASE_NAME"] == "orchestra-operator"
    assert env["operator"]["ORCHESTRA_OPERATOR_LEASE_NAMESPACE"] == "orchestra"
    for service in ("api", "expiry", "gate"):
        assert not any(key.endswith("KUBECONFIG") for key in env[service]), service
    without = environment(options, tmp_path)  # a real cluster: one kubeconfig, as given
    assert without["operator"]["ORCHESTRA_OPERATOR_KUBECONFIG"] == str(tmp_path / "k")
    assert "ORCHESTRA_OPERATOR_LEASE_NAMESPACE" not in without["operator"]
