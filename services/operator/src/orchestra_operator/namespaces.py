"""Pure builders of a learner's namespace and the guard rails that come with it.

Each learner gets a namespace of their own, named from a hash of their email:
Pod Security Admission ``restricted``, a ResourceQuota and LimitRange so that
nobody can take more than their share, and a default-deny NetworkPolicy under
the per-workshop policies.
"""

from typing import Any

from orchestra_operator.config import OperatorSettings
from orchestra_shared import labels
from orchestra_shared.owners import learner_namespace, owner_hash

Body = dict[str, Any]


def namespace_name(owner: str, settings: OperatorSettings) -> str:
    return learner_namespace(owner, prefix=settings.namespace_prefix)


def _labels(owner: str) -> dict[str, str]:
    return {
        labels.MANAGED_BY: labels.MANAGER,
        labels.OWNER_HASH: owner_hash(owner),
        labels.LEARNER_NAMESPACE: "true",
    }


def namespace(owner: str, settings: OperatorSettings) -> Body:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": namespace_name(owner, settings),
            "labels": {
                **_labels(owner),
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "latest",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
            },
        },
    }


def resource_quota(owner: str, settings: OperatorSettings) -> Body:
    quota = settings.quota
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {
            "name": "learner-quota",
            "namespace": namespace_name(owner, settings),
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


def limit_range(owner: str, settings: OperatorSettings) -> Body:
    """Defaults for any container that names no resources, so the quota can be enforced."""
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {
            "name": "learner-limits",
            "namespace": namespace_name(owner, settings),
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


def default_deny(owner: str, settings: OperatorSettings) -> Body:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": "default-deny",
            "namespace": namespace_name(owner, settings),
            "labels": _labels(owner),
        },
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }


def gate_alias(owner: str, settings: OperatorSettings) -> Body:
    """The gate under a name of this namespace, for per-host Ingresses (which can name only
    Services of their own namespace); an ExternalName, so no traffic stays here."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": settings.gate_service,
            "namespace": namespace_name(owner, settings),
            "labels": _labels(owner),
        },
        "spec": {
            "type": "ExternalName",
            "externalName": f"{settings.gate_service}.{settings.gate_namespace}.svc.cluster.local",
            "ports": [{"name": "http", "port": settings.gate_port, "protocol": "TCP"}],
        },
    }


def learner_objects(owner: str, settings: OperatorSettings) -> list[Body]:
    """In creation order: the namespace first, then what lives in it."""
    objects = [
        namespace(owner, settings),
        resource_quota(owner, settings),
        limit_range(owner, settings),
        default_deny(owner, settings),
    ]
    if settings.workshop_ingress == "per-host":
        objects.append(gate_alias(owner, settings))
    return objects
