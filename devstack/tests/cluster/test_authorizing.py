"""The RBAC decision as pure logic: verbs from requests, rule matching, binding scopes."""

from __future__ import annotations

from typing import Any

import pytest

from orchestra_devstack.cluster.addresses import Address
from orchestra_devstack.cluster.authorizing import (
    MASTERS,
    Attributes,
    Policy,
    Rule,
    User,
    attributes_of,
    forbidden_message,
)

RBAC = "rbac.authorization.k8s.io/v1"
OPERATOR = User.service_account("orchestra", "orchestra-operator")
SYNC = User.service_account("orchestra", "orchestra-sync")
WORKSHOPS = Address("orchestra.io", "v1", "workshops", namespace="u-1")


def role(kind: str, name: str, *rules: dict[str, Any], namespace: str = "") -> dict[str, Any]:
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": RBAC, "kind": kind, "metadata": metadata, "rules": list(rules)}


def binding(
    kind: str,
    name: str,
    role_kind: str,
    role_name: str,
    *subjects: dict[str, str],
    namespace: str = "",
) -> dict[str, Any]:
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {
        "apiVersion": RBAC,
        "kind": kind,
        "metadata": metadata,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name},
        "subjects": list(subjects),
    }


def account(name: str, namespace: str = "orchestra") -> dict[str, str]:
    return {"kind": "ServiceAccount", "name": name, "namespace": namespace}


def ask(verb: str, resource: str = "workshops", **fields: str) -> Attributes:
    group = fields.pop("group", "orchestra.io")
    return Attributes(verb=verb, group=group, resource=resource, **fields)


@pytest.mark.parametrize(
    ("method", "address", "query", "verb"),
    [
        ("GET", WORKSHOPS, {}, "list"),
        ("GET", WORKSHOPS, {"watch": "true"}, "watch"),
        ("GET", WORKSHOPS, {"watch": "1"}, "watch"),
        ("GET", Address("orchestra.io", "v1", "workshops", "u-1", "w"), {}, "get"),
        ("POST", WORKSHOPS, {}, "create"),
        ("PUT", Address("orchestra.io", "v1", "workshops", "u-1", "w"), {}, "update"),
        ("PATCH", Address("orchestra.io", "v1", "workshops", "u-1", "w"), {}, "patch"),
        ("DELETE", Address("orchestra.io", "v1", "workshops", "u-1", "w"), {}, "delete"),
        ("DELETE", WORKSHOPS, {}, "deletecollection"),
    ],
)
def test_the_verb_comes_from_the_method_and_the_query(
    method: str, address: Address, query: dict[str, str], verb: str
) -> None:
    assert attributes_of(method, query, address).verb == verb


def test_a_subresource_and_a_name_selector_are_part_of_what_is_asked() -> None:
    status = attributes_of(
        "PATCH", {}, Address("orchestra.io", "v1", "workshops", "u-1", "w", "status")
    )
    assert status.qualified_resource == "workshops/status"
    selected = attributes_of("GET", {"fieldSelector": "metadata.name=w"}, WORKSHOPS)
    assert (selected.verb, selected.name) == ("list", "w")
    other = attributes_of("GET", {"fieldSelector": "metadata.namespace=u-1"}, WORKSHOPS)
    assert other.name == ""


def test_a_request_for_a_namespace_is_in_that_namespace() -> None:
    got = attributes_of("GET", {}, Address("", "v1", "namespaces", name="u-1"))
    assert (got.verb, got.resource, got.namespace, got.name) == ("get", "namespaces", "u-1", "u-1")
    listed = attributes_of("GET", {}, Address("", "v1", "namespaces"))
    assert listed.namespace == ""


@pytest.mark.parametrize(
    ("rule", "request_", "allowed"),
    [
        ({"apiGroups": ["orchestra.io"], "resources": ["workshops"], "verbs": ["get"]}, ask("get"), True),
        ({"apiGroups": ["orchestra.io"], "resources": ["workshops"], "verbs": ["get"]}, ask("list"), False),
        ({"apiGroups": ["orchestra.io"], "resources": ["workshops"], "verbs": ["*"]}, ask("delete"), True),
        ({"apiGroups": [""], "resources": ["workshops"], "verbs": ["get"]}, ask("get"), False),
        ({"apiGroups": ["*"], "resources": ["workshops"], "verbs": ["get"]}, ask("get"), True),
        # A resource's rule is not its subresource's, and the other way round.
        ({"apiGroups": ["orchestra.io"], "resources": ["workshops"], "verbs": ["patch"]},
         ask("patch", subresource="status"), False),
        ({"apiGroups": ["orchestra.io"], "resources": ["workshops/status"], "verbs": ["patch"]},
         ask("patch", subresource="status"), True),
        ({"apiGroups": ["orchestra.io"], "resources": ["workshops/status"], "verbs": ["patch"]},
         ask("patch"), False),
        ({"apiGroups": ["orchestra.io"], "resources": ["*/status"], "verbs": ["patch"]},
         ask("patch", subresource="status"), True),
        ({"apiGroups": ["orchestra.io"], "resources": ["*/status"], "verbs": ["patch"]},
         ask("patch"), False),
        ({"apiGroups": ["orchestra.io"], "resources": ["*"], "verbs": ["patch"]},
         ask("patch", subresource="status"), True),
        ({"apiGroups": ["orchestra.io"], "resources": ["workshops/*"], "verbs": ["patch"]},
         ask("patch", subresource="status"), False),  # Kubernetes has no such wildcard
        # resourceNames: only those objects, and never a request that names none.
        ({"apiGroups": ["orchestra.io"], "resources": ["workshops"], "resourceNames": ["w"],
          "verbs": ["get"]}, ask("get", name="w"), True),
        ({"apiGroups": ["orchestra.io"], "resources": ["workshops"], "resourceNames": ["w"],
          "verbs": ["get"]}, ask("get", name="x"), False),
        ({"apiGroups": ["orchestra.io"], "resources": ["workshops"], "resourceNames": ["w"],
          "verbs": ["create"]}, ask("create"), False),
        ({"apiGroups": ["orchestra.io"], "resources": ["workshops"], "resourceNames": ["w"],
          "verbs": ["list"]}, ask("list", name="w"), True),
        # Non-resource URLs match exactly or by a trailing "*"; never a resource request.
        ({"nonResourceURLs": ["/apis/*"], "verbs": ["get"]}, Attributes("get", path="/apis/apps/v1"), True),
        ({"nonResourceURLs": ["/apis"], "verbs": ["get"]}, Attributes("get", path="/apis/apps"), False),
        ({"nonResourceURLs": ["*"], "verbs": ["get"]}, ask("get"), False),
    ],
)  # fmt: skip
def test_one_rule_covers_what_kubernetes_says_it_covers(
    rule: dict[str, Any], request_: Attributes, allowed: bool
) -> None:
    assert Rule.of(rule).allows(request_) is allowed


def test_a_cluster_role_binding_grants_in_every_namespace_and_at_the_cluster_scope() -> None:
    policy = Policy.of(
        [
            role("ClusterRole", "ns", {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["list"]},
                 {"apiGroups": ["orchestra.io"], "resources": ["workshops"], "verbs": ["list"]}),
            binding("ClusterRoleBinding", "ns", "ClusterRole", "ns", account("orchestra-operator")),
        ]
    )  # fmt: skip
    assert policy.authorize(OPERATOR, ask("list", namespace="u-1")).allowed
    assert policy.authorize(OPERATOR, ask("list")).allowed
    assert policy.authorize(OPERATOR, ask("list", "namespaces", group="")).allowed
    assert not policy.authorize(SYNC, ask("list")).allowed


def test_a_role_binding_grants_only_in_its_namespace() -> None:
    lease = {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get"]}
    policy = Policy.of(
        [
            role("Role", "lease", lease, namespace="orchestra"),
            binding("RoleBinding", "lease", "Role", "lease", account("orchestra-operator"),
                    namespace="orchestra"),
            # A ClusterRole bound in one namespace: its rules hold there only.
            role("ClusterRole", "reader", {"apiGroups": ["orchestra.io"], "resources": ["workshops"],
                                           "verbs": ["get"]}),
            binding("RoleBinding", "reader", "ClusterRole", "reader", account("orchestra-sync"),
                    namespace="u-1"),
        ]
    )  # fmt: skip
    leases = {"group": "coordination.k8s.io"}
    assert policy.authorize(OPERATOR, ask("get", "leases", namespace="orchestra", **leases)).allowed
    assert not policy.authorize(OPERATOR, ask("get", "leases", namespace="other", **leases)).allowed
    assert not policy.authorize(OPERATOR, ask("get", "leases", **leases)).allowed  # cluster scope
    assert policy.authorize(SYNC, ask("get", namespace="u-1")).allowed
    assert not policy.authorize(SYNC, ask("get", namespace="u-2")).allowed
    assert not policy.authorize(SYNC, ask("get")).allowed


def test_a_role_binding_in_one_namespace_cannot_name_a_role_of_another() -> None:
    rule = {"apiGroups": ["orchestra.io"], "resources": ["workshops"], "verbs": ["get"]}
    policy = Policy.of(
        [
            role("Role", "reader", rule, namespace="u-1"),
            binding("RoleBinding", "reader", "Role", "reader", account("orchestra-sync"),
                    namespace="u-2"),
        ]
    )  # fmt: skip
    assert not policy.authorize(SYNC, ask("get", namespace="u-2")).allowed
    assert not policy.authorize(SYNC, ask("get", namespace="u-1")).allowed


def test_subjects_match_by_kind_name_and_namespace() -> None:
    rule = {"apiGroups": ["*"], "resources": ["*"], "verbs": ["get"]}
    policy = Policy.of(
        [
            role("ClusterRole", "reader", rule),
            binding("ClusterRoleBinding", "a", "ClusterRole", "reader", account("orchestra-sync", "elsewhere")),
            binding("ClusterRoleBinding", "b", "ClusterRole", "reader", {"kind": "User", "name": "ada"}),
            binding("ClusterRoleBinding", "c", "ClusterRole", "reader",
                    {"kind": "Group", "name": "system:serviceaccounts:staff"}),
        ]
    )  # fmt: skip
    assert not policy.authorize(SYNC, ask("get")).allowed  # same name, other namespace
    assert policy.authorize(User.service_account("elsewhere", "orchestra-sync"), ask("get")).allowed
    assert policy.authorize(User("ada"), ask("get")).allowed
    assert policy.authorize(User.service_account("staff", "anyone"), ask("get")).allowed


def test_a_binding_to_a_missing_role_grants_nothing_and_masters_get_everything() -> None:
    policy = Policy.of(
        [binding("ClusterRoleBinding", "x", "ClusterRole", "gone", account("orchestra-sync"))]
    )
    assert not policy.authorize(SYNC, ask("get")).allowed
    assert Policy().authorize(User("root", frozenset({MASTERS})), ask("delete")).allowed
    assert not Policy().authorize(User("root"), ask("delete")).allowed


def test_the_refusal_is_worded_as_the_api_server_words_it() -> None:
    status = ask("patch", subresource="status", namespace="u-1", name="w")
    assert forbidden_message(OPERATOR, status) == (
        'workshops.orchestra.io "w" is forbidden: User "system:serviceaccount:orchestra:'
        'orchestra-operator" cannot patch resource "workshops/status" in API group '
        '"orchestra.io" in the namespace "u-1"'
    )
    assert forbidden_message(SYNC, ask("list", "namespaces", group="")) == (
        'namespaces is forbidden: User "system:serviceaccount:orchestra:orchestra-sync" '
        'cannot list resource "namespaces" in API group "" at the cluster scope'
    )
    assert forbidden_message(SYNC, Attributes("get", path="/metrics")) == (
        'forbidden: User "system:serviceaccount:orchestra:orchestra-sync" cannot get path "/metrics"'
    )
