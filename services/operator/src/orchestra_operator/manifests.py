"""Pure builders of every Kubernetes object the operator creates for a Workshop.

Given a Workshop (name, namespace, uid, spec) and the operator's settings,
return the Deployment, Service, PVC, NetworkPolicy (and, with per-host
Ingresses, the Ingress) it should have. Traffic reaches a workshop only
through the gate (docs/src/content/docs/decisions/0050): the NetworkPolicy admits the gate's pods
alone, and any Ingress points at the gate, never at the workshop's Service.
No I/O here, so each object is unit-tested and validated against the
Kubernetes schemas offline. ``namespaces.py`` builds the per-learner namespace.
The pod's security settings follow the spec's security profile (``security_contexts``).
"""

from __future__ import annotations

from typing import Any

from orchestra_operator.config import OperatorSettings
from orchestra_operator.security_contexts import (
    container_security_context,
    pod_security_context,
)
from orchestra_shared import labels
from orchestra_shared.owners import owner_hash
from orchestra_shared.workshops import API_VERSION, KIND, WorkshopSpec

Body = dict[str, Any]
WORKSPACE_MOUNT = "/workspace"


def workshop_labels(name: str, spec: WorkshopSpec) -> dict[str, str]:
    """Standard labels on every child; the owner appears only as a hash."""
    return {
        "app.kubernetes.io/name": "workshop",
        "app.kubernetes.io/instance": name,
        "app.kubernetes.io/component": spec.template[:63],
        "app.kubernetes.io/part-of": "orchestra",
        labels.MANAGED_BY: labels.MANAGER,
        labels.WORKSHOP: name,
        labels.TEMPLATE: spec.template[:63],
        labels.OWNER_HASH: owner_hash(spec.owner),
    }


def pod_labels(name: str, spec: WorkshopSpec) -> dict[str, str]:
    """A pod's labels: the child labels without the owner, which a claim of a warm
    instance changes (docs/src/content/docs/decisions/0070); a changed pod template would restart the pod."""
    return {k: v for k, v in workshop_labels(name, spec).items() if k != labels.OWNER_HASH}


def selector_labels(name: str) -> dict[str, str]:
    return {labels.WORKSHOP: name}


def owner_reference(name: str, uid: str) -> Body:
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "name": name,
        "uid": uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _metadata(name: str, namespace: str, uid: str, spec: WorkshopSpec) -> Body:
    return {
        "name": name,
        "namespace": namespace,
        "labels": workshop_labels(name, spec),
        "ownerReferences": [owner_reference(name, uid)],
    }


def host(name: str, settings: OperatorSettings) -> str:
    return f"{name}.{settings.base_domain}"


def url(name: str, settings: OperatorSettings) -> str:
    port = f":{settings.url_port}" if settings.url_port else ""
    return f"{settings.url_scheme}://{host(name, settings)}{port}/"


def workspace_claim_name(template: str) -> str:
    """The learner's persistent workspace of ``template``: one per learner namespace."""
    return f"workspace-{template}"[:63].rstrip("-")


def volume_claim_name(name: str, spec: WorkshopSpec) -> str | None:
    """The PVC a workshop mounts: its own, or the learner's workspace that outlives sessions."""
    if spec.storage is None:
        return None
    if spec.storage.persist == "per-user":
        return workspace_claim_name(spec.template)
    return name


def deployment(
    name: str, namespace: str, uid: str, spec: WorkshopSpec, settings: OperatorSettings
) -> Body:
    placement = settings.tiers.get(spec.tier)
    container: Body = {
        "name": "workshop",
        "image": spec.image,
        "ports": [{"name": "http", "containerPort": spec.port, "protocol": "TCP"}],
        "env": [{"name": key, "value": value} for key, value in sorted(spec.env.items())],
        "resources": spec.resources.model_dump(exclude_defaults=False),
        "readinessProbe": {
            "tcpSocket": {"port": "http"},
            "initialDelaySeconds": 2,
            "periodSeconds": 5,
            "failureThreshold": 3,
        },
        "securityContext": container_security_context(spec.security_profile),
    }
    if spec.args:
        container["args"] = list(spec.args)
    pod_spec: Body = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": pod_security_context(spec.security_profile),
        "containers": [container],
    }
    claim = volume_claim_name(name, spec)
    if claim is not None:
        pod_spec["volumes"] = [{"name": "workspace", "persistentVolumeClaim": {"claimName": claim}}]
        container["volumeMounts"] = [{"name": "workspace", "mountPath": WORKSPACE_MOUNT}]
    if placement is not None:
        if placement.node_selector:
            pod_spec["nodeSelector"] = dict(placement.node_selector)
        if placement.tolerations:
            pod_spec["tolerations"] = [dict(t) for t in placement.tolerations]
        if placement.priority_class:
            pod_spec["priorityClassName"] = placement.priority_class
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(name, namespace, uid, spec),
        "spec": {
            "replicas": 1,
            "strategy": {"type": "Recreate"},  # one pod at a time: the PVC is ReadWriteOnce
            "selector": {"matchLabels": selector_labels(name)},
            "template": {
                "metadata": {"labels": pod_labels(name, spec)},
                "spec": pod_spec,
            },
        },
    }


def service(name: str, namespace: str, uid: str, spec: WorkshopSpec) -> Body:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(name, namespace, uid, spec),
        "spec": {
            "type": "ClusterIP",
            "selector": selector_labels(name),
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def ingress(
    name: str, namespace: str, uid: str, spec: WorkshopSpec, settings: OperatorSettings
) -> Body:
    """The per-host Ingress (``workshop_ingress=per-host``): to the gate, never to the pod.

    Its backend is the learner namespace's ExternalName alias of the gate
    (``namespaces.gate_alias``): an Ingress can name Services of its own namespace only.
    """
    metadata = _metadata(name, namespace, uid, spec)
    backend = {"service": {"name": settings.gate_service, "port": {"number": settings.gate_port}}}
    rule = {
        "host": host(name, settings),
        "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]},
    }
    ingress_spec: Body = {"ingressClassName": settings.ingress_class, "rules": [rule]}
    if settings.tls_cluster_issuer:
        metadata["annotations"] = {"cert-manager.io/cluster-issuer": settings.tls_cluster_issuer}
        ingress_spec["tls"] = [{"hosts": [host(name, settings)], "secretName": f"{name}-tls"}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata,
        "spec": ingress_spec,
    }


def volume_claim(name: str, namespace: str, uid: str, spec: WorkshopSpec) -> Body | None:
    """The per-workshop PVC (owned, so it goes with the workshop) or the learner's workspace.

    The per-user workspace carries no ownerReference: it must outlive the session.
    """
    claim = volume_claim_name(name, spec)
    if claim is None or spec.storage is None:
        return None
    metadata = _metadata(claim, namespace, uid, spec)
    pvc_spec: Body = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": spec.storage.size}},
    }
    if spec.storage.storage_class:
        pvc_spec["storageClassName"] = spec.storage.storage_class
    if spec.storage.persist == "per-user":
        del metadata["ownerReferences"]
        metadata["labels"] = {
            key: value for key, value in metadata["labels"].items() if key != labels.WORKSHOP
        }
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata,
        "spec": pvc_spec,
    }


def network_policy(
    name: str, namespace: str, uid: str, spec: WorkshopSpec, settings: OperatorSettings
) -> Body:
    """Ingress only from the gate's pods, on the app port; egress to DNS and, if allowed, the
    internet. Nothing else reaches the application, so nothing passes around the gate."""
    egress: list[Body] = [
        {
            "to": [{"namespaceSelector": {}}],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        }
    ]
    if settings.egress_to_internet:
        egress.append(
            {
                "to": [
                    {"ipBlock": {"cidr": "0.0.0.0/0", "except": list(settings.egress_denied_cidrs)}}
                ]
            }
        )
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _metadata(name, namespace, uid, spec),
        "spec": {
            "podSelector": {"matchLabels": selector_labels(name)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {
                    "from": [
                        {
                            # Both selectors in one peer: the gate's pods in the gate's namespace.
                            "namespaceSelector": {
                                "matchLabels": {
                                    "kubernetes.io/metadata.name": settings.gate_namespace
                                }
                            },
                            "podSelector": {"matchLabels": dict(settings.gate_pod_labels)},
                        }
                    ],
                    "ports": [{"protocol": "TCP", "port": spec.port}],
                }
            ],
            "egress": egress,
        },
    }


def children(
    name: str, namespace: str, uid: str, spec: WorkshopSpec, settings: OperatorSettings
) -> list[Body]:
    """Every object a Workshop should have, in creation order (volume before the pod)."""
    objects: list[Body | None] = [
        volume_claim(name, namespace, uid, spec),
        network_policy(name, namespace, uid, spec, settings),
        service(name, namespace, uid, spec),
        ingress(name, namespace, uid, spec, settings)
        if settings.workshop_ingress == "per-host"
        else None,
        deployment(name, namespace, uid, spec, settings),
    ]
    return [obj for obj in objects if obj is not None]
