"""Acting on ``launch requested``: the learner's namespace, then the Workshop.

Idempotent by construction: every object is created only if missing, and the
Workshop is named after the instance, so a redelivered launch finds it already
there and does nothing more. Kopf takes over from the Workshop's creation.
"""

from __future__ import annotations

import logging

from orchestra_operator import namespaces
from orchestra_operator.cluster import WORKSHOPS, ApiError, Cluster
from orchestra_operator.config import OperatorSettings
from orchestra_operator.reconciling import ensure
from orchestra_shared import labels
from orchestra_shared.events import LaunchRequested
from orchestra_shared.workshops import workshop_manifest

log = logging.getLogger(__name__)


def workshop_for(
    event: LaunchRequested, settings: OperatorSettings, traceparent: str | None
) -> dict[str, object]:
    annotations = {labels.LAUNCH_EVENT: str(event.event_id)}
    if traceparent:
        annotations[labels.TRACEPARENT] = traceparent
    return workshop_manifest(
        name=event.instance,
        namespace=namespaces.namespace_name(event.owner, settings),
        spec=event.spec,
        annotations=annotations,
    )


async def launch(
    event: LaunchRequested,
    *,
    cluster: Cluster,
    settings: OperatorSettings,
    traceparent: str | None = None,
) -> bool:
    """Make sure the Workshop exists; returns False when it already did (a redelivery)."""
    for obj in namespaces.learner_objects(event.owner, settings):
        await ensure(cluster, obj)
    body = workshop_for(event, settings, traceparent)
    try:
        await cluster.create(WORKSHOPS, body)
    except ApiError as error:
        if error.status == 409:
            log.info(
                "workshop already exists; launch was redelivered",
                extra={"workshop": event.instance},
            )
            return False
        raise
    log.info(
        "workshop created", extra={"workshop": event.instance, "template": event.template_slug}
    )
    return True
