"""What the chart's workloads are: least privilege, real settings, secrets from Secrets only.

Each Orchestra container's ORCHESTRA_* variables must be fields of that service's settings
class (a misspelt one would be ignored silently: pydantic-settings drops unknown variables),
every secret comes through a secretKeyRef, every pod is restricted, and every service runs
as {release}-{service} with a token only where it calls the Kubernetes API.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from pydantic_settings import BaseSettings

from orchestra_api.config import ApiSettings
from orchestra_devstack.environments import BUS_USERS
from orchestra_expiry.config import ExpirySettings
from orchestra_gate.config import GateSettings
from orchestra_operator.config import OperatorSettings
from orchestra_sync.config import SyncSettings
from tests.chart.rendering import RELEASE, Body, Rendered, env_of

SETTINGS: dict[str, type[BaseSettings]] = {
    "api": ApiSettings,
    "operator": OperatorSettings,
    "sync": SyncSettings,
    "expiry": ExpirySettings,
    "gate": GateSettings,
}
SECRET = re.compile(r"PASSWORD|SECRET|DSN")
# The services that call the Kubernetes API (the RBAC of rbac.yaml grants them their verbs).
WITH_TOKEN = {"operator", "sync"}


def orchestra_containers(rendered: Rendered) -> list[tuple[str, Body]]:
    """(service, container) of every container that runs one of our images."""
    found = []
    for _, spec in rendered.pod_specs():
        for container in spec["containers"]:
            match = re.search(r"/orchestra-([a-z]+):", container["image"])
            if match:
                found.append((match[1], container))
    return found


def test_every_pod_is_restricted(rendered: Rendered) -> None:
    for workload, spec in rendered.pod_specs():
        name = workload["metadata"]["name"]
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, name
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            assert container["resources"]["requests"], name
            assert container["resources"]["limits"], name
            if "/orchestra-" in container["image"]:
                assert pod["runAsUser"] == 10001, name
                mounts = {m["mountPath"] for m in container["volumeMounts"]}
                assert "/tmp" in mounts, name


def test_every_service_is_probed_on_its_health_endpoint(rendered: Rendered) -> None:
    for service, container in orchestra_containers(rendered):
        if container.get("args") == ["migrate"]:
            continue
        paths = {container[p]["httpGet"]["path"] for p in ("livenessProbe", "readinessProbe")}
        expected = {
            "api": {"/healthz", "/readyz"},
            "dashboard": {"/healthz"},
        }.get(service, {"/metrics"})
        assert paths == expected, service
        ports = {port["name"] for port in container["ports"]}
        assert container["readinessProbe"]["httpGet"]["port"] in ports


def shared_groups(settings: type[BaseSettings]) -> dict[str, type[BaseSettings]]:
    """The settings groups a service holds that read their own prefix (``retention`` reads
    ORCHESTRA_RETENTION_*, ``archives`` ORCHESTRA_ARCHIVES_*), by that prefix."""
    groups: dict[str, type[BaseSettings]] = {}
    for field in settings.model_fields.values():
        group = field.annotation
        if isinstance(group, type) and issubclass(group, BaseSettings):
            groups[str(group.model_config.get("env_prefix", ""))] = group
    return groups


def test_every_variable_is_a_setting_of_that_service(rendered: Rendered) -> None:
    seen = set()
    for service, container in orchestra_containers(rendered):
        seen.add(service)
        if service == "dashboard":
            assert "env" not in container
            continue
        settings = SETTINGS[service]
        prefix = str(settings.model_config.get("env_prefix", ""))
        groups = shared_groups(settings)
        for variable in env_of(container):
            if variable.startswith("OTEL_"):
                continue  # the OpenTelemetry SDK's own (TelemetrySettings reads the endpoint)
            owner, start = settings, prefix
            for group_prefix, group in groups.items():
                if variable.startswith(group_prefix):
                    owner, start = group, group_prefix
            assert variable.startswith(start), f"{variable} is not for {service}"
            field = variable.removeprefix(start).lower()
            assert field in owner.model_fields, f"{variable} matches no setting of {service}"
    assert seen == {*SETTINGS, "dashboard"}


def test_every_retention_period_reaches_each_service_that_enforces_one(
    rendered: Rendered,
) -> None:
    from orchestra_shared.settings import RetentionSettings

    periods = {f"ORCHESTRA_RETENTION_{name.upper()}" for name in RetentionSettings.model_fields}
    for service in ("api", "operator", "sync"):
        env = env_of(rendered.container(service))
        assert periods <= set(env), f"{service} lacks {sorted(periods - set(env))}"


def test_the_archive_store_reaches_the_api_and_the_operator_with_its_credentials(
    rendered_by: Callable[[str], Rendered],
) -> None:
    production, minimal = rendered_by("production"), rendered_by("minimal")
    for service in ("api", "operator"):
        env = env_of(production.container(service))
        assert env["ORCHESTRA_ARCHIVES_BACKEND"]["value"] == "s3"
        assert env["ORCHESTRA_ARCHIVES_ENDPOINT_URL"]["value"] == "https://s3.university.example"
        for variable, key in (
            ("ORCHESTRA_ARCHIVES_ACCESS_KEY_ID", "accessKeyId"),
            ("ORCHESTRA_ARCHIVES_SECRET_ACCESS_KEY", "secretAccessKey"),
        ):
            assert env[variable]["valueFrom"]["secretKeyRef"] == {
                "name": "orchestra-archives-s3",
                "key": key,
            }
        policy = production.find("NetworkPolicy", f"{RELEASE}-{service}")["spec"]
        assert {"ipBlock": {"cidr": "10.20.30.0/24"}} in [
            peer for rule in policy["egress"] for peer in rule.get("to", [])
        ], f"{service} cannot reach the S3 store"
        # The filesystem store: one ReadWriteMany claim, mounted where the setting says.
        spec = minimal.find("Deployment", f"{RELEASE}-{service}")["spec"]["template"]["spec"]
        [volume] = [v for v in spec["volumes"] if v["name"] == "archives"]
        [mount] = [m for m in spec["containers"][0]["volumeMounts"] if m["name"] == "archives"]
        env = env_of(spec["containers"][0])
        assert env["ORCHESTRA_ARCHIVES_DIRECTORY"]["value"] == mount["mountPath"]
        claim = minimal.find("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
        assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert "ORCHESTRA_ARCHIVES_BACKEND" not in env_of(production.container("sync"))


def test_secrets_come_from_secrets_only(rendered: Rendered) -> None:
    for _, spec in rendered.pod_specs():
        for container in spec["containers"]:
            for name, entry in env_of(container).items():
                if SECRET.search(name):
                    assert "value" not in entry, name
                    assert entry["valueFrom"]["secretKeyRef"]["name"], name


def test_each_service_connects_to_nats_as_itself(rendered: Rendered) -> None:
    for service in BUS_USERS:
        env = env_of(rendered.container(service))
        prefix = f"ORCHESTRA_{service.upper()}_"
        assert env[prefix + "NATS_USER"]["value"] == service
        reference = env[prefix + "NATS_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert reference == {"name": "orchestra-nats-credentials", "key": service}


def test_each_service_on_the_bus_may_reach_nats_through_its_network_policy(
    rendered: Rendered,
) -> None:
    if not rendered.names("NetworkPolicy"):
        pytest.skip("these values turn the platform's NetworkPolicies off: nothing to reach past")
    for service in BUS_USERS:
        policy = rendered.find("NetworkPolicy", f"{RELEASE}-{service}")["spec"]
        ports = {port.get("port") for rule in policy["egress"] for port in rule.get("ports", [])}
        assert 4222 in ports, f"{service} connects to NATS but its egress does not allow it"


def test_each_service_runs_as_its_own_account_with_a_token_only_if_it_calls_kubernetes(
    rendered: Rendered,
) -> None:
    for service in ("api", "operator", "sync", "expiry", "gate", "dashboard"):
        spec = rendered.find("Deployment", f"{RELEASE}-{service}")["spec"]["template"]["spec"]
        assert spec["serviceAccountName"] == f"{RELEASE}-{service}"
        assert spec.get("automountServiceAccountToken", True) is (service in WITH_TOKEN), service
    for workload, spec in rendered.pod_specs():
        if workload["metadata"]["name"].split("-")[1] not in WITH_TOKEN:
            assert spec["automountServiceAccountToken"] is False, workload["metadata"]["name"]


def test_the_operator_elects_a_leader_on_a_lease_in_its_own_namespace(
    rendered: Rendered,
) -> None:
    deployment = rendered.find("Deployment", f"{RELEASE}-operator")
    env = env_of(rendered.container("operator"))
    assert env["ORCHESTRA_OPERATOR_LEADER_ELECTION"]["value"] == "true"
    assert env["ORCHESTRA_OPERATOR_LEASE_NAMESPACE"]["valueFrom"]["fieldRef"] == {
        "fieldPath": "metadata.namespace"
    }
    assert env["ORCHESTRA_OPERATOR_IDENTITY"]["valueFrom"]["fieldRef"] == {
        "fieldPath": "metadata.name"
    }
    assert deployment["spec"]["replicas"] >= 1
    OperatorSettings(lease_name=env["ORCHESTRA_OPERATOR_LEASE_NAME"]["value"])


def test_the_default_operator_runs_two_replicas_and_the_api_scales(
    rendered_by: Callable[[str], Rendered],
) -> None:
    default = rendered_by("default")
    assert default.find("Deployment", f"{RELEASE}-operator")["spec"]["replicas"] == 2
    hpa = default.find("HorizontalPodAutoscaler", f"{RELEASE}-api")
    assert hpa["spec"]["scaleTargetRef"]["name"] == f"{RELEASE}-api"
    assert default.find("PodDisruptionBudget", f"{RELEASE}-api")["spec"]["selector"]


def test_the_gate_is_where_the_operator_sends_workshop_traffic(rendered: Rendered) -> None:
    env = env_of(rendered.container("operator"))
    gate = rendered.find("Deployment", f"{RELEASE}-gate")
    labels = json.loads(env["ORCHESTRA_OPERATOR_GATE_POD_LABELS"]["value"])
    assert labels.items() <= gate["spec"]["template"]["metadata"]["labels"].items()
    service = rendered.find("Service", env["ORCHESTRA_OPERATOR_GATE_SERVICE"]["value"])
    assert str(service["spec"]["ports"][0]["port"]) == env["ORCHESTRA_OPERATOR_GATE_PORT"]["value"]
    assert env["ORCHESTRA_OPERATOR_GATE_NAMESPACE"]["value"] == "orchestra"
    gate_env = env_of(rendered.container("gate"))
    assert (
        gate_env["ORCHESTRA_GATE_BASE_DOMAIN"]["value"]
        == env["ORCHESTRA_OPERATOR_BASE_DOMAIN"]["value"]
    )
    # The api and the gate share the ticket key: the same Secret, the same key.
    api_env = env_of(rendered.container("api"))
    assert (
        api_env["ORCHESTRA_API_GATE_TICKET_SECRET"]["valueFrom"]
        == gate_env["ORCHESTRA_GATE_TICKET_SECRET"]["valueFrom"]
    )


def test_one_wildcard_ingress_leads_every_workshop_host_to_the_gate(rendered: Rendered) -> None:
    ingress = rendered.find("Ingress", f"{RELEASE}-workshops")
    (rule,) = ingress["spec"]["rules"]
    base_domain = env_of(rendered.container("gate"))["ORCHESTRA_GATE_BASE_DOMAIN"]["value"]
    assert rule["host"] == f"*.{base_domain}"
    backend = rule["http"]["paths"][0]["backend"]["service"]["name"]
    assert backend == f"{RELEASE}-gate"
    if "tls" in ingress["spec"]:
        assert ingress["spec"]["tls"][0]["hosts"] == [rule["host"]]


def test_the_dashboard_and_api_come_in_through_oauth2_proxy_with_tls(
    rendered_by: Callable[[str], Rendered],
) -> None:
    production = rendered_by("production")
    ingress = production.find("Ingress", f"{RELEASE}-web")
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"]
    assert ingress["spec"]["tls"][0]["hosts"] == [ingress["spec"]["rules"][0]["host"]]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
    assert backend == f"{RELEASE}-oauth2-proxy"
    proxy = production.find("Deployment", backend)["spec"]["template"]["spec"]["containers"][0]
    args = dict(arg.removeprefix("--").split("=", 1) for arg in proxy["args"])
    api = env_of(production.container("api"))
    # The api verifies the ID token oauth2-proxy passes on (docs/src/content/docs/decisions/0051).
    assert args["pass-authorization-header"] == "true"
    assert args["oidc-issuer-url"] == api["ORCHESTRA_API_OIDC_ISSUER"]["value"]
    assert args["client-id"] == api["ORCHESTRA_API_OIDC_AUDIENCE"]["value"]
    assert api["ORCHESTRA_API_IDENTITY"]["value"] == "token"
    upstreams = [a for a in proxy["args"] if a.startswith("--upstream=")]
    assert upstreams == [
        f"--upstream=http://{RELEASE}-api:8000/api/",
        f"--upstream=http://{RELEASE}-dashboard:8080/",
    ]


@pytest.mark.parametrize("name", ["default", "production"])
def test_migrations_run_as_a_hook_before_install_and_upgrade(
    rendered_by: Callable[[str], Rendered], name: str
) -> None:
    rendered = rendered_by(name)
    (job,) = [body for body in rendered.objects if body["kind"] == "Job"]
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["migrate"]
    assert "/orchestra-api:" in container["image"]


def test_with_the_bundled_postgres_migrations_are_a_plain_job(
    rendered_by: Callable[[str], Rendered],
) -> None:
    minimal = rendered_by("minimal")
    (job,) = [body for body in minimal.objects if body["kind"] == "Job"]
    assert "helm.sh/hook" not in job["metadata"].get("annotations", {})
    assert minimal.find("StatefulSet", f"{RELEASE}-postgres")
