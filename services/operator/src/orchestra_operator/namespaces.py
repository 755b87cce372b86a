"""Pure builders of a learner's namespace and the guard rails that come with it.

Each learner gets a namespace of their own, named from a hash of their email:
Pod Security Admission at the strictest level its workshops allow, a ResourceQuota
and LimitRange so that nobody can take more than their share, and a default-deny
NetworkPolicy under the per-workshop policies.

The level: ``restricted`` while every workshop of the learner is ``restricted``,
``baseline`` while at least one is ``root-init`` (docs/src/content/docs/decisions/0053). The operator
raises it before creating such a workshop and lowers it again when the last one
is gone (``labelling.py``).
"""

from collections.abc import Iterable
from typing import Any

from orchestra_operator.config import OperatorSettings
from orchestra_shared import labels
from orchestra_shared.owners import is_pool_owner, learner_namespace, owner_hash, pool_namespace
from orchestra_shared.templates import POD_SECURITY_LEVELS, PodSecurityLevel, SecurityProfile

Body = dict[str, Any]
POD_SECURITY = "pod-security.kubernetes.io/"
POD_SECURITY_VERSION = "latest"
"""Policy version of every mode. The standards have not changed since 1.25 and our checker
(``pod_security.py``) follows them; pinning would only matter if they changed again."""


def namespace_name(owner: str, settings: OperatorSettings) -> str:
    return learner_namespace(owner, prefix=settings.namespace_prefix)


def warm_namespace_name(instance: str, settings: OperatorSettings) -> str:
    """The namespace of a warm instance (docs/src/content/docs/decisions/0070): its own, from its name."""
    return pool_namespace(instance, prefix=settings.pool_namespace_prefix)


def workshop_namespaces(owner: str, instance: str, settings: OperatorSettings) -> list[str]:
    """Where a command's Workshop may be, likeliest first: a pool's instance in its own
    namespace; a learner's in theirs, or (claimed from a pool) in the one it warmed in."""
    if is_pool_owner(owner):
        return [warm_namespace_name(instance, settings)]
    return [namespace_name(owner, settings), warm_namespace_name(instance, settings)]


def _labels(owner: str) -> dict[str, str]:
    return {
        labels.MANAGED_BY: labels.MANAGER,
        labels.OWNER_HASH: owner_hash(owner),
        labels.LEARNER_NAMESPACE: "true",
    }


def namespace_level(profiles: Iterable[SecurityProfile]) -> PodSecurityLevel:
    """The strictest Pod Security level under which pods of all ``profiles`` run (pure)."""
    levels = {POD_SECURITY_LEVELS[profile] for profile in profiles}
    return "baseline" if "baseline" in levels else "restricted"


def pod_security_labels(level: PodSecurityLevel) -> dict[str, str]:
    """Enforce, warn and audit at one level, each with its policy version."""
    labels_: dict[str, str] = {}
    for mode in ("enforce", "warn", "audit"):
        labels_[f"{POD_SECURITY}{mode}"] = level
        labels_[f"{POD_SECURITY}{mode}-version"] = POD_SECURITY_VERSION
    return labels_


def namespace(
    owner: str,
    settings: OperatorSettings,
    level: PodSecurityLevel = "restricted",
    *,
    where: str | None = None,
) -> Body:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": where or namespace_name(owner, settings),
            "labels": {**_labels(owner), **pod_security_labels(level)},
        },
    }


def resource_quota(owner: str, settings: OperatorSettings, *, where: str | None = None) -> Body:
    quota = settings.quota
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {
            "name": "learner-quota",
            "namespace": where or namespace_name(owner, settings),
            "labels": _labels(owner),
        },
        "spec": {
            "hard": {
                "limits.cpu": quota.cpu,
                "limits.memory": quota.memory,
                "limits.ephemeral-storage": quota.ephemeral_storage,
                "requests.cpu": quota.cpu,
                "requests.memory": quota.memory,
                "requests.storage": quota.storage,
                "pods": str(quota.pods),
                "persistentvolumeclaims": str(quota.persistent_volume_claims),
                "services.loadbalancers": "0",
                "services.nodeports": "0",
            }
        },
    }


def limit_range(owner: str, settings: OperatorSettings, *, where: str | None = None) -> Body:
    """Defaults for any container that names no resources, so the quota can be enforced."""
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {
            "name": "learner-limits",
            "namespace": where or namespace_name(owner, settings),
            "labels": _labels(owner),
        },
        "spec": {
            "limits": [
                {
                    "type": "Container",
                    "default": {"cpu": "1", "memory": "2Gi", "ephemeral-storage": "4Gi"},
                    "defaultRequest": {"cpu": "250m", "memory": "1Gi", "ephemeral-storage": "1Gi"},
                    "max": {"cpu": settings.quota.cpu, "memory": settings.quota.memory},
                }
            ]
        },
    }


def default_deny(owner: str, settings: OperatorSettings, *, where: str | None = None) -> Body:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": "default-deny",
            "namespace": where or namespace_name(owner, settings),
            "labels": _labels(owner),
        },
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }


def gate_alias(owner: str, settings: OperatorSettings, *, where: str | None = None) -> Body:
    """The gate under a name of this namespace, for per-host Ingresses (which can name only
    Services of their own namespace); an ExternalName, so no traffic stays here."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": settings.gate_service,
            "namespace": where or namespace_name(owner, settings),
            "labels": _labels(owner),
        },
        "spec": {
            "type": "ExternalName",
            "externalName": f"{settings.gate_service}.{settings.gate_namespace}.svc.cluster.local",
            "ports": [{"name": "http", "port": settings.gate_port, "protocol": "TCP"}],
        },
    }


def learner_objects(
    owner: str,
    settings: OperatorSettings,
    level: PodSecurityLevel = "restricted",
    *,
    where: str | None = None,
) -> list[Body]:
    """In creation order: the namespace first, then what lives in it. ``where``: a warm
    instance's namespace instead of the learner's, with the same guard rails."""
    objects = [
        namespace(owner, settings, level, where=where),
        resource_quota(owner, settings, where=where),
        limit_range(owner, settings, where=where),
        default_deny(owner, settings, where=where),
    ]
    if settings.workshop_ingress == "per-host":
        objects.append(gate_alias(owner, settings, where=where))
    return objects
