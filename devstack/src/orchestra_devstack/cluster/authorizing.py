"""
Kubernetes RBAC as the API server decides it, as pure functions.

The emulated cluster enforces the chart's own Roles and bindings (``enforcing``), so
that a service missing a rule fails its tests here as it would fail on a real cluster.
This module is the decision alone, without I/O: what a request asks for
(``attributes_of``, after the API server's RequestInfo), which rules a user holds where
(``Policy``, from Role, ClusterRole, RoleBinding and ClusterRoleBinding objects), whether
one rule covers a request (``Rule.allows``, after the rbac/v1 helpers: ``*`` wildcards,
``*/subresource``, resourceNames, nonResourceURLs with a trailing ``*``), and the message
of a refusal, worded as the real server words it.

What a real cluster has and this leaves out: aggregated ClusterRoles (``aggregationRule``),
the escalation check on writes of Roles and bindings, and impersonation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from orchestra_devstack.cluster.addresses import Address

RBAC_GROUP = "rbac.authorization.k8s.io"
MASTERS = "system:masters"
AUTHENTICATED = "system:authenticated"
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
# Subresources of a namespace: ``/api/v1/namespaces/x/status`` is not a resource ``status``.
_NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})


@dataclasses.dataclass(frozen=True)
class User:
    """Who sends a request: a name and groups, as an authenticator hands them on."""

    name: str
    groups: frozenset[str] = frozenset({AUTHENTICATED})

    @classmethod
    def service_account(cls, namespace: str, name: str) -> User:
        return cls(
            name=f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}",
            groups=frozenset(
                {"system:serviceaccounts", f"system:serviceaccounts:{namespace}", AUTHENTICATED}
            ),
        )

    @property
    def service_account_of(self) -> tuple[str, str] | None:
        """``(namespace, name)`` of a ServiceAccount's user; None for other users."""
        if not self.name.startswith(SERVICE_ACCOUNT_PREFIX):
            return None
        namespace, _, name = self.name.removeprefix(SERVICE_ACCOUNT_PREFIX).partition(":")
        return namespace, name


@dataclasses.dataclass(frozen=True)
class Attributes:
    """What one request asks for; ``resource`` empty for a non-resource path."""

    verb: str
    group: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""

    @property
    def resource_request(self) -> bool:
        return bool(self.resource)

    @property
    def qualified_resource(self) -> str:
        """``workshops/status``: the form rules name a subresource in."""
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource


def _exact_name(field_selector: str) -> str:
    """The name a ``metadata.name=`` field selector requires, or ``""``."""
    for term in field_selector.split(","):
        key, _, value = term.replace("==", "=").partition("=")
        if key.strip() == "metadata.name" and not key.endswith("!"):
            return value.strip()
    return ""


_CONNECT_SUBRESOURCES = ("exec", "attach", "portforward")


def attributes_of(method: str, query: Mapping[str, str], address: Address) -> Attributes:
    """The request's verb and resource as the API server's RequestInfo reads them.

    GET of a collection is ``list`` (``watch`` with ``watch=true``), DELETE of one is
    ``deletecollection``; a list or watch with a ``metadata.name`` field selector names
    that object (so resourceNames can limit it); a request for a namespace object is
    also *in* that namespace (so a RoleBinding there can grant reading it).
    """
    named = address.name is not None
    watching = query.get("watch", "").lower() in ("true", "1")
    verb = {
        "GET": "watch" if watching else ("get" if named else "list"),
        "HEAD": "get" if named else "list",
        "POST": "create",
        "PUT": "update",
        "PATCH": "patch",
        "DELETE": "delete" if named else "deletecollection",
    }.get(method.upper(), method.lower())
    if address.subresource in _CONNECT_SUBRESOURCES:
        # A WebSocket exec is a GET, authorized as create (Kubernetes 1.31 and later).
        verb = "create"
    name = address.name or ""
    if not named and verb in ("list", "watch"):
        name = _exact_name(query.get("fieldSelector", ""))
    namespace = address.namespace or ""
    subresource = address.subresource or ""
    if address.group == "" and address.plural == "namespaces" and named:
        namespace = name
        if subresource and subresource not in _NAMESPACE_SUBRESOURCES:
            subresource = ""
    return Attributes(
        verb=verb,
        group=address.group,
        resource=address.plural,
        subresource=subresource,
        namespace=namespace,
        name=name,
    )


def _listed(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value or ())


@dataclasses.dataclass(frozen=True)
class Rule:
    """One PolicyRule of a Role or ClusterRole."""

    verbs: tuple[str, ...]
    api_groups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()

    @classmethod
    def of(cls, rule: Mapping[str, Any]) -> Rule:
        return cls(
            verbs=_listed(rule.get("verbs")),
            api_groups=_listed(rule.get("apiGroups")),
            resources=_listed(rule.get("resources")),
            resource_names=_listed(rule.get("resourceNames")),
            non_resource_urls=_listed(rule.get("nonResourceURLs")),
        )

    def allows(self, request: Attributes) -> bool:
        if not ("*" in self.verbs or request.verb in self.verbs):
            return False
        if not request.resource_request:
            return any(
                url == "*"
                or url == request.path
                or (url.endswith("*") and request.path.startswith(url[:-1]))
                for url in self.non_resource_urls
            )
        return (
            ("*" in self.api_groups or request.group in self.api_groups)
            and any(self._resource_matches(r, request) for r in self.resources)
            and (not self.resource_names or request.name in self.resource_names)
        )

    @staticmethod
    def _resource_matches(resource: str, request: Attributes) -> bool:
        if resource in ("*", request.qualified_resource):
            return True
        # "*/status": that subresource of every resource (there is no "pods/*").
        return bool(request.subresource) and resource == f"*/{request.subresource}"


@dataclasses.dataclass(frozen=True)
class Subject:
    kind: str
    name: str
    namespace: str = ""

    def matches(self, user: User) -> bool:
        if self.kind == "ServiceAccount":
            return user.name == f"{SERVICE_ACCOUNT_PREFIX}{self.namespace}:{self.name}"
        if self.kind == "User":
            return user.name == self.name
        if self.kind == "Group":
            return self.name in user.groups
        return False


@dataclasses.dataclass(frozen=True)
class Binding:
    """A RoleBinding (``namespace`` set) or ClusterRoleBinding (``namespace`` empty)."""

    name: str
    namespace: str
    role_kind: str  # Role or ClusterRole
    role_name: str
    subjects: tuple[Subject, ...]

    @property
    def describe(self) -> str:
        where = f"RoleBinding {self.namespace}/" if self.namespace else "ClusterRoleBinding "
        return f"{where}{self.name} of {self.role_kind} {self.role_name}"


@dataclasses.dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    """For a grant: the binding and role that granted it."""


@dataclasses.dataclass(frozen=True)
class Grant:
    """Rules a user holds through one binding, and where they apply (namespace or all)."""

    binding: Binding
    rules: tuple[Rule, ...]


@dataclasses.dataclass(frozen=True)
class Policy:
    """The RBAC objects of a cluster, read into rules and bindings."""

    roles: Mapping[tuple[str, str], tuple[Rule, ...]] = dataclasses.field(default_factory=dict)
    cluster_roles: Mapping[str, tuple[Rule, ...]] = dataclasses.field(default_factory=dict)
    bindings: tuple[Binding, ...] = ()

    @classmethod
    def of(cls, objects: Iterable[Mapping[str, Any]]) -> Policy:
        """From Role, ClusterRole, RoleBinding and ClusterRoleBinding bodies; others ignored."""
        roles: dict[tuple[str, str], tuple[Rule, ...]] = {}
        cluster_roles: dict[str, tuple[Rule, ...]] = {}
        bindings: list[Binding] = []
        for body in objects:
            if not str(body.get("apiVersion", "")).startswith(f"{RBAC_GROUP}/"):
                continue
            metadata = body.get("metadata") or {}
            name, namespace = str(metadata.get("name", "")), str(metadata.get("namespace") or "")
            kind = body.get("kind")
            if kind == "Role":
                roles[namespace, name] = tuple(Rule.of(r) for r in body.get("rules") or ())
            elif kind == "ClusterRole":
                cluster_roles[name] = tuple(Rule.of(r) for r in body.get("rules") or ())
            elif kind in ("RoleBinding", "ClusterRoleBinding"):
                ref = body.get("roleRef") or {}
                subjects = tuple(
                    Subject(str(s.get("kind")), str(s.get("name")), str(s.get("namespace") or ""))
                    for s in body.get("subjects") or ()
                )
                bindings.append(
                    Binding(
                        name=name,
                        namespace=namespace if kind == "RoleBinding" else "",
                        role_kind=str(ref.get("kind")),
                        role_name=str(ref.get("name")),
                        subjects=subjects,
                    )
                )
        return cls(roles=roles, cluster_roles=cluster_roles, bindings=tuple(bindings))

    def _rules_of(self, binding: Binding) -> tuple[Rule, ...]:
        if binding.role_kind == "ClusterRole":
            return self.cluster_roles.get(binding.role_name, ())
        if binding.role_kind == "Role" and binding.namespace:
            return self.roles.get((binding.namespace, binding.role_name), ())
        return ()

    def grants(self, user: User) -> Iterator[Grant]:
        """Every binding naming ``user`` (a role that does not exist grants nothing)."""
        for binding in self.bindings:
            if any(subject.matches(user) for subject in binding.subjects):
                yield Grant(binding, self._rules_of(binding))

    def authorize(self, user: User, request: Attributes) -> Decision:
        if MASTERS in user.groups:
            return Decision(True, f"group {MASTERS}")
        for grant in self.grants(user):
            # A RoleBinding grants only inside its namespace, never at the cluster scope.
            if grant.binding.namespace and grant.binding.namespace != request.namespace:
                continue
            if any(rule.allows(request) for rule in grant.rules):
                return Decision(True, grant.binding.describe)
        return Decision(False)


def forbidden_message(user: User, request: Attributes) -> str:
    """The ``message`` of the real server's 403 ``Status``, word for word."""
    if not request.resource_request:
        return f'forbidden: User "{user.name}" cannot {request.verb} path "{request.path}"'
    what = f"{request.resource}.{request.group}" if request.group else request.resource
    if request.name:
        what += f' "{request.name}"'
    where = (
        f'in the namespace "{request.namespace}"' if request.namespace else "at the cluster scope"
    )
    return (
        f'{what} is forbidden: User "{user.name}" cannot {request.verb} resource '
        f'"{request.qualified_resource}" in API group "{request.group}" {where}'
    )
