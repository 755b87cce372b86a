"""Label, annotation and finalizer keys that more than one service reads."""

GROUP = "orchestra.io"

WORKSHOP = f"{GROUP}/workshop"
OWNER_HASH = f"{GROUP}/owner-hash"
TEMPLATE = f"{GROUP}/template"
MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGER = "orchestra-operator"
LEARNER_NAMESPACE = f"{GROUP}/learner-namespace"

# W3C trace context of the launch, so reconcile spans join the launch's trace.
TRACEPARENT = f"{GROUP}/traceparent"
# Which event created the Workshop: a redelivered launch is recognised by it.
LAUNCH_EVENT = f"{GROUP}/launch-event"
# Why a Workshop was deleted (user, admin, expired ...): set just before deletion.
TERMINATION_REASON = f"{GROUP}/termination-reason"
