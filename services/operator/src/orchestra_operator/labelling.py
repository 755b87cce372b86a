"""Keeping a learner namespace's Pod Security level at what its workshops need, no looser.

The namespace is the learner's, shared by all their workshops, and Pod Security Admission
judges pods by their namespace's labels. A ``root-init`` workshop (an RStudio image whose
init starts as root) needs ``baseline``; everything else runs under ``restricted``. So the
level follows the workshops (docs/src/content/docs/decisions/0053): the launch raises it before it creates a
``root-init`` Workshop (``launching.prepare_namespace`` builds the namespace with the level
``required_level`` gives), and ``settle`` lowers it once the last such Workshop is deleted
(``terminating.terminate``). Lowering never disturbs a running pod: admission judges pods
only when they are created.

Commands reach the operator through one ordered consumer (docs/src/content/docs/decisions/0003), so a launch and
a terminate of the same learner never interleave here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from orchestra_operator.cluster import NAMESPACES, WORKSHOPS, Cluster
from orchestra_operator.namespaces import POD_SECURITY, namespace_level, pod_security_labels
from orchestra_shared.templates import (
    DEFAULT_SECURITY_PROFILE,
    POD_SECURITY_LEVELS,
    PodSecurityLevel,
    SecurityProfile,
)

log = logging.getLogger(__name__)


def profile_of(workshop: Mapping[str, Any]) -> SecurityProfile:
    """A Workshop's profile; one this operator does not know counts as the strictest."""
    value = (workshop.get("spec") or {}).get("securityProfile", DEFAULT_SECURITY_PROFILE)
    for profile in POD_SECURITY_LEVELS:
        if value == profile:
            return profile
    return DEFAULT_SECURITY_PROFILE


async def required_level(
    namespace: str,
    *,
    cluster: Cluster,
    adding: SecurityProfile | None = None,
    leaving: str | None = None,
) -> PodSecurityLevel:
    """The level the namespace's Workshops need, with one about to be created (``adding``)
    and without one just deleted (``leaving``, in case a list still shows it)."""
    profiles = [
        profile_of(workshop)
        for workshop in await cluster.list(WORKSHOPS, namespace)
        if not (workshop.get("metadata") or {}).get("deletionTimestamp")
        and (workshop.get("metadata") or {}).get("name") != leaving
    ]
    if adding is not None:
        profiles.append(adding)
    return namespace_level(profiles)


async def settle(
    namespace: str, *, cluster: Cluster, leaving: str | None = None
) -> PodSecurityLevel | None:
    """Relabel the namespace for what its Workshops need now; None when it does not exist."""
    found = await cluster.get(NAMESPACES, namespace)
    if found is None:
        return None
    level = await required_level(namespace, cluster=cluster, leaving=leaving)
    wanted = pod_security_labels(level)
    have = (found.get("metadata") or {}).get("labels") or {}
    if any(have.get(key) != value for key, value in wanted.items()):
        await cluster.patch(NAMESPACES, namespace, {"metadata": {"labels": wanted}})
        old = have.get(f"{POD_SECURITY}enforce")
        log.info(
            "learner namespace relabelled",
            extra={"namespace": namespace, "from": old, "to": level},
        )
    return level
