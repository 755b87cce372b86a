"""Acting on ``claim requested``: a warm instance becomes one learner's (docs/src/content/docs/decisions/0070).

A warm instance was started by a class's pool in a namespace of its own that nobody
owned (``namespaces.warm_namespace_name``). The claim hands that namespace over, whole:
its labels and guard rails are relabelled with the learner's owner hash (no email in a
label), then the Workshop gets the learner as ``spec.owner`` and their deadline as
``spec.expiresAt``. Its pod keeps running: nothing of the pod's template changes (the
owner hash is on the Deployment, not on its pods), so the learner gets it Ready.

Idempotent and safe against a stale or forged claim: the Workshop is handed over only
while it still belongs to the pool the claim names; one that already belongs to the
claim's learner is a redelivery (the namespace is relabelled again, nothing else); one
that belongs to anyone else is refused (dead-lettered). The namespace goes first and the
Workshop's owner last, so a claim cut short is finished by its redelivery.
"""

from __future__ import annotations

import logging
from typing import Any

from orchestra_operator import namespaces
from orchestra_operator.cluster import WORKSHOPS, Cluster
from orchestra_operator.config import OperatorSettings
from orchestra_operator.errors import ClaimRefused
from orchestra_operator.labelling import profile_of
from orchestra_operator.launching import prepare_namespace
from orchestra_operator.reporting import record_event
from orchestra_shared import labels
from orchestra_shared.events import ClaimRequested
from orchestra_shared.owners import owner_hash

log = logging.getLogger(__name__)


def stamp(event: ClaimRequested) -> str:
    return event.expires_at.isoformat().replace("+00:00", "Z")


def handover_patch(event: ClaimRequested) -> dict[str, Any]:
    """The Workshop's new owner and deadline; the owner only as a hash in labels (pure)."""
    return {
        "metadata": {"labels": {labels.OWNER_HASH: owner_hash(event.owner)}},
        "spec": {"owner": event.owner, "expiresAt": stamp(event)},
    }


async def claim(event: ClaimRequested, *, cluster: Cluster, settings: OperatorSettings) -> bool:
    """Hand the warm instance over; False when there is nothing (left) to hand over."""
    where = namespaces.warm_namespace_name(event.instance, settings)
    workshop = await cluster.get(WORKSHOPS, event.instance, where)
    if workshop is None or workshop["metadata"].get("deletionTimestamp"):
        log.warning("claimed workshop is gone", extra={"workshop": event.instance})
        return False
    owner = (workshop.get("spec") or {}).get("owner")
    if owner not in (event.pool_owner, event.owner):
        raise ClaimRefused(
            f"Workshop {event.instance!r} belongs to neither {event.pool_owner!r} nor the "
            "learner claiming it"
        )
    await prepare_namespace(
        event.owner,
        cluster=cluster,
        settings=settings,
        profile=profile_of(workshop),
        where=where,
    )
    if owner == event.owner:
        log.info("claim redelivered; already handed over", extra={"workshop": event.instance})
        return False
    handed = await cluster.patch(WORKSHOPS, event.instance, handover_patch(event), where)
    await record_event(
        cluster,
        handed,
        "Claimed",
        f"claimed from the warm pool; now expires at {stamp(event)}",
        settings=settings,
    )
    log.info("warm workshop claimed", extra={"workshop": event.instance})
    return True
