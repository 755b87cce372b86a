"""What keeps a workshop in its place: network policy, node placement, the learner namespace."""

from collections.abc import Callable
from typing import Any

from orchestra_operator import manifests, namespaces
from orchestra_operator.config import LearnerQuota, OperatorSettings
from orchestra_shared import labels
from orchestra_shared.owners import owner_hash
from orchestra_shared.workshops import WorkshopSpec

Body = dict[str, Any]
SettingsFactory = Callable[..., OperatorSettings]
NAME = "jupyter-1122-bcd234"
NAMESPACE = "orchestra-u-0123456789abcdef"
UID = "5f1e2d3c-0000-4000-8000-000000000001"
OWNER = "Ada.Lovelace@Example.org"


def policy(spec: WorkshopSpec, settings: OperatorSettings) -> Body:
    return manifests.network_policy(NAME, NAMESPACE, UID, spec, settings)


def pod_spec(spec: WorkshopSpec, settings: OperatorSettings) -> Body:
    result: Body = manifests.deployment(NAME, NAMESPACE, UID, spec, settings)["spec"]["template"][
        "spec"
    ]
    return result


class TestNetworkPolicy:
    def test_selects_only_this_workshops_pods_both_ways(
        self, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        body = policy(specs["storage"], settings)["spec"]
        assert body["podSelector"] == {"matchLabels": {labels.WORKSHOP: NAME}}
        assert sorted(body["policyTypes"]) == ["Egress", "Ingress"]

    def test_ingress_only_from_the_gates_pods_on_the_app_port(
        self, specs: dict[str, WorkshopSpec], make_settings: SettingsFactory
    ) -> None:
        settings = make_settings(gate_namespace="edge", gate_pod_labels={"app": "gate"})
        (rule,) = policy(specs["storage"], settings)["spec"]["ingress"]
        # One peer with both selectors: gate pods in the gate namespace (not either of them).
        assert rule["from"] == [
            {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "edge"}},
                "podSelector": {"matchLabels": {"app": "gate"}},
            }
        ]
        assert rule["ports"] == [{"protocol": "TCP", "port": 8888}]

    def test_per_host_mode_gives_each_learner_namespace_an_alias_of_the_gate(
        self, make_settings: SettingsFactory
    ) -> None:
        shared = namespaces.learner_objects(OWNER, make_settings())
        assert all(o["kind"] != "Service" for o in shared)
        per_host = make_settings(workshop_ingress="per-host", gate_namespace="edge")
        (alias,) = [
            o for o in namespaces.learner_objects(OWNER, per_host) if o["kind"] == "Service"
        ]
        assert alias["spec"] == {
            "type": "ExternalName",
            "externalName": "orchestra-gate.edge.svc.cluster.local",
            "ports": [{"name": "http", "port": 80, "protocol": "TCP"}],
        }

    def test_internet_egress_excludes_the_denied_ranges(
        self, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        egress = policy(specs["storage"], settings)["spec"]["egress"]
        blocks = [peer["ipBlock"] for rule in egress for peer in rule["to"] if "ipBlock" in peer]
        assert blocks == [{"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "169.254.169.254/32"]}]

    def test_no_internet_egress_when_disabled_only_dns(
        self, specs: dict[str, WorkshopSpec], make_settings: SettingsFactory
    ) -> None:
        egress = policy(specs["storage"], make_settings(egress_to_internet=False))["spec"]["egress"]
        assert all("ipBlock" not in peer for rule in egress for peer in rule["to"])
        ports = {(p["protocol"], p["port"]) for rule in egress for p in rule["ports"]}
        assert ports == {("UDP", 53), ("TCP", 53)}


class TestPlacement:
    def test_a_tier_with_placement_gets_selector_tolerations_and_priority(
        self, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        pod = pod_spec(specs["per-user"], settings)  # tier "large"
        assert pod["nodeSelector"] == {"orchestra.io/pool": "large"}
        assert pod["tolerations"] == [
            {"key": "orchestra.io/large", "operator": "Exists", "effect": "NoSchedule"}
        ]
        assert pod["priorityClassName"] == "workshop-large"

    def test_a_tier_without_placement_runs_anywhere(
        self, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        pod = pod_spec(specs["storage"], settings)  # tier "small"
        assert not {"nodeSelector", "tolerations", "priorityClassName"} & pod.keys()

    def test_placement_follows_the_settings(
        self, make_spec: Callable[..., WorkshopSpec], make_settings: SettingsFactory
    ) -> None:
        settings = make_settings(tiers={"gpu": {"node_selector": {"gpu": "true"}}})
        assert pod_spec(make_spec(tier="gpu"), settings)["nodeSelector"] == {"gpu": "true"}


class TestLearnerNamespace:
    def test_named_from_the_owner_hash_whatever_the_emails_case(
        self, make_settings: SettingsFactory
    ) -> None:
        settings = make_settings(namespace_prefix="learner-")
        name = namespaces.namespace_name(OWNER, settings)
        assert name == f"learner-{owner_hash(OWNER)}"
        assert name == namespaces.namespace_name(OWNER.lower(), settings)

    def test_pod_security_restricted_is_enforced(self, settings: OperatorSettings) -> None:
        ns_labels = namespaces.namespace(OWNER, settings)["metadata"]["labels"]
        assert ns_labels["pod-security.kubernetes.io/enforce"] == "restricted"
        assert ns_labels[labels.OWNER_HASH] == owner_hash(OWNER)

    def test_every_object_lives_in_the_namespace_and_hides_the_email(
        self, settings: OperatorSettings
    ) -> None:
        objects = namespaces.learner_objects(OWNER, settings)
        assert objects[0]["kind"] == "Namespace"
        name = objects[0]["metadata"]["name"]
        for body in objects[1:]:
            assert body["metadata"]["namespace"] == name
        for body in objects:
            for value in body["metadata"]["labels"].values():
                assert "@" not in value
                assert "lovelace" not in value.lower()

    def test_quota_comes_from_the_settings(self, make_settings: SettingsFactory) -> None:
        quota = LearnerQuota(
            cpu="4",
            memory="16Gi",
            ephemeral_storage="20Gi",
            pods=3,
            persistent_volume_claims=2,
            storage="50Gi",
        )
        settings = make_settings(quota=quota)
        hard = namespaces.resource_quota(OWNER, settings)["spec"]["hard"]
        assert hard["limits.cpu"] == hard["requests.cpu"] == "4"
        assert hard["limits.memory"] == hard["requests.memory"] == "16Gi"
        assert hard["limits.ephemeral-storage"] == "20Gi"
        assert hard["requests.storage"] == "50Gi"
        assert hard["pods"] == "3"
        assert hard["persistentvolumeclaims"] == "2"
        assert hard["services.loadbalancers"] == hard["services.nodeports"] == "0"
        limits = namespaces.limit_range(OWNER, settings)["spec"]["limits"][0]
        assert limits["max"] == {"cpu": "4", "memory": "16Gi"}

    def test_default_deny_selects_every_pod(self, settings: OperatorSettings) -> None:
        body = namespaces.default_deny(OWNER, settings)["spec"]
        assert body == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
