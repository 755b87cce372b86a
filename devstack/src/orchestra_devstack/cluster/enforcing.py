"""
RBAC enforcement of the emulated cluster: who sends a request, whether it is allowed,
and a record of what each identity used and was refused.

Opt-in (``EmulatedCluster(enforce_rbac=True)``, ``--enforce-rbac``): without it the
emulator accepts any request, as before. With it, every request to the API (resources and
discovery) must carry a bearer token the cluster issued: the administrator's (in the
cluster's own kubeconfig, group ``system:masters``, as kind's) or a ServiceAccount's
(``token_for``; valid while that ServiceAccount exists, as bound tokens are). A missing
or unknown token answers 401 (a cluster with anonymous authentication off); a request the
rules do not grant answers 403 with the ``Status`` body a real API server sends. The
rules are the Role, ClusterRole, RoleBinding and ClusterRoleBinding objects in the store
(the chart's, loaded with ``--manifest``, plus the bootstrap roles every cluster has), read
again after every write to them, so a test can change them through the API.

``Usage`` is what the permission tests read (``GET /_devstack/rbac``): every
(user, verb, group, resource, subresource, namespace) allowed, and every refusal.
"""

from __future__ import annotations

import collections
import dataclasses
import secrets
from collections.abc import Iterator
from typing import Any

from aiohttp import web

from orchestra_devstack.cluster.addresses import Address
from orchestra_devstack.cluster.authorizing import (
    AUTHENTICATED,
    MASTERS,
    RBAC_GROUP,
    Attributes,
    Policy,
    User,
    attributes_of,
    forbidden_message,
)
from orchestra_devstack.cluster.errors import ApiError, ForbiddenError, UnauthorizedError
from orchestra_devstack.cluster.storing import ObjectStore

ADMIN = User("kubernetes-admin", frozenset({MASTERS, AUTHENTICATED}))
RBAC_KINDS = ("roles", "clusterroles", "rolebindings", "clusterrolebindings")
_BOOTSTRAP_LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}


def _cluster_role(name: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "ClusterRole",
        "metadata": {"name": name, "labels": dict(_BOOTSTRAP_LABELS)},
        "rules": rules,
    }


def _to_group(name: str, group: str) -> dict[str, Any]:
    return {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name, "labels": dict(_BOOTSTRAP_LABELS)},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": name},
        "subjects": [{"apiGroup": RBAC_GROUP, "kind": "Group", "name": group}],
    }


DISCOVERY_URLS = ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/readyz",
                  "/openapi", "/openapi/*", "/version", "/version/"]  # fmt: skip
BOOTSTRAP_POLICY: tuple[dict[str, Any], ...] = (
    # What every real cluster grants: the administrators everything, and every
    # authenticated identity the discovery documents (clients read them first).
    _cluster_role(
        "cluster-admin",
        [
            {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
            {"nonResourceURLs": ["*"], "verbs": ["*"]},
        ],
    ),
    _to_group("cluster-admin", MASTERS),
    _cluster_role(
        "system:discovery",
        [
            {
                "nonResourceURLs": DISCOVERY_URLS,
                "verbs": ["get"],
            }
        ],
    ),
    _to_group("system:discovery", AUTHENTICATED),
)


@dataclasses.dataclass(frozen=True, order=True)
class Use:
    """One kind of request an identity made: what the permission tests compare to rules."""

    user: str
    verb: str
    group: str
    resource: str
    subresource: str
    namespace: str
    path: str = ""
    """Of a non-resource request (discovery): then ``resource`` is empty."""

    @classmethod
    def of(cls, user: User, request: Attributes) -> Use:
        return cls(
            user.name,
            request.verb,
            request.group,
            request.resource,
            request.subresource,
            request.namespace,
            request.path,
        )


@dataclasses.dataclass
class Usage:
    used: collections.Counter[Use] = dataclasses.field(default_factory=collections.Counter)
    refused: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "used": [
                {**dataclasses.asdict(use), "count": count}
                for use, count in sorted(self.used.items())
            ],
            "refused": list(self.refused),
        }

    def clear(self) -> None:
        self.used.clear()
        self.refused.clear()


class Tokens:
    """Bearer tokens this cluster issued, and who they stand for."""

    def __init__(self) -> None:
        self.admin = secrets.token_urlsafe(24)
        self._service_accounts: dict[str, tuple[str, str]] = {}

    def token_for(self, namespace: str, name: str) -> str:
        """The token of a ServiceAccount (the same one every time it is asked for)."""
        for token, account in self._service_accounts.items():
            if account == (namespace, name):
                return token
        token = secrets.token_urlsafe(24)
        self._service_accounts[token] = (namespace, name)
        return token

    def account_of(self, token: str) -> tuple[str, str] | None:
        return self._service_accounts.get(token)


class Enforcer:
    """Authenticates and authorizes requests against the store's RBAC objects."""

    def __init__(self, *, store: ObjectStore) -> None:
        self._store = store
        self.tokens = Tokens()
        self.usage = Usage()
        self._policy: Policy | None = None
        self._policy_version = -1

    def load_bootstrap_policy(self) -> None:
        for body in BOOTSTRAP_POLICY:
            definition = self._store.registry.find_kind(body["apiVersion"], body["kind"])
            assert definition is not None
            self._store.create(definition, None, body)

    def _rbac_objects(self) -> Iterator[dict[str, Any]]:
        for plural in RBAC_KINDS:
            definition = self._store.registry.find(RBAC_GROUP, "v1", plural)
            if definition is not None:
                for body in self._store.list(definition, None):
                    yield {**body, "apiVersion": definition.api_version, "kind": definition.kind}

    @property
    def policy(self) -> Policy:
        """The rules as the store holds them now (read again after any write)."""
        version = self._store.log.last_resource_version
        if self._policy is None or version != self._policy_version:
            self._policy = Policy.of(self._rbac_objects())
            self._policy_version = version
        return self._policy

    def authenticate(self, request: web.Request) -> User:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise UnauthorizedError("Unauthorized")
        if secrets.compare_digest(token, self.tokens.admin):
            return ADMIN
        account = self.tokens.account_of(token)
        if account is None or not self.service_account_exists(*account):
            raise UnauthorizedError("Unauthorized")
        return User.service_account(*account)

    def service_account_exists(self, namespace: str, name: str) -> bool:
        definition = self._store.registry.find("", "v1", "serviceaccounts")
        return definition is not None and any(
            body["metadata"]["name"] == name for body in self._store.list(definition, namespace)
        )

    def check(self, request: web.Request, address: Address | None) -> None:
        """Raise 401 or 403 (``ApiError``) unless the request may go on; record it."""
        user = self.authenticate(request)
        if address is None:
            attributes = Attributes(verb=_non_resource_verb(request.method), path=request.path)
        else:
            attributes = attributes_of(request.method, request.query, address)
        decision = self.policy.authorize(user, attributes)
        use = Use.of(user, attributes)
        if decision.allowed:
            self.usage.used[use] += 1
            return
        message = forbidden_message(user, attributes)
        self.usage.refused.append({**dataclasses.asdict(use), "message": message})
        details = (
            {"name": attributes.name, "group": attributes.group, "kind": attributes.resource}
            if attributes.resource_request
            else {}
        )
        raise ForbiddenError(message, details=details)

    async def serve_usage(self, request: web.Request) -> web.Response:
        """``GET`` the usage so far, ``DELETE`` to start afresh."""
        if request.method not in ("GET", "DELETE"):
            return web.json_response({"error": "use GET or DELETE"}, status=405)
        body = self.usage.as_json()
        if request.method == "DELETE":
            self.usage.clear()
        return web.json_response(body)


def _non_resource_verb(method: str) -> str:
    return {"GET": "get", "HEAD": "head", "POST": "post", "PUT": "put", "PATCH": "patch"}.get(
        method.upper(), method.lower()
    )


def refusal(error: ApiError) -> web.Response:
    return web.json_response(error.as_status(), status=error.code)
