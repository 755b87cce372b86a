"""The lifecycle phases of a workshop instance, shared by every service.

``Requested`` is written by the api when the row is created; every later phase
is observed in the cluster by sync (the operator writes them on the Workshop's
status). ``Terminated`` is final.
"""

from typing import Literal, get_args

Phase = Literal[
    "Requested", "Pending", "Provisioning", "Ready", "Failed", "Terminating", "Terminated"
]

PHASES: tuple[Phase, ...] = get_args(Phase)
ACTIVE_PHASES: frozenset[Phase] = frozenset(
    {"Requested", "Pending", "Provisioning", "Ready", "Terminating"}
)
FINAL_PHASES: frozenset[Phase] = frozenset({"Terminated"})
