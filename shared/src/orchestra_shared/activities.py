"""What the gate tells the platform about workshop activity: one batched report per window.

The gate sees every request to every workshop, but one message per request would
put the bus on the path of every keystroke. So each gate replica counts, per
instance, what a person causes (docs/src/content/docs/decisions/0060 and docs/src/content/docs/learners/end-of-a-session.md say what counts)
and, once per window, publishes a single ``ActivityReport`` on
``orchestra.activity.reported`` listing the instances that passed the floor in
that window, with the time of their last counted event. Expiry reads it (its idle
rule); nobody else needs it.

Not an ``Event``: a report is about many instances at once and has no owner. It is
frozen, refuses unknown fields and carries its own ``version``, like every contract.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

ACTIVITY_SCHEMA_VERSION: Literal[1] = 1


class InstanceActivity(BaseModel):
    """One instance's activity in one window."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instance: str = Field(min_length=1, max_length=63)
    last_active_at: AwareDatetime = Field(description="When the last counted event passed.")
    events: int = Field(ge=1, description="Counted events in the window (at least the floor).")


class ActivityReport(BaseModel):
    """gate → expiry: the instances someone worked in during one window of one gate replica."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["activity.reported"] = "activity.reported"
    version: Literal[1] = ACTIVITY_SCHEMA_VERSION
    reporter: str = Field(min_length=1, description="The gate replica (its pod name and a nonce).")
    window_started_at: AwareDatetime
    window_ended_at: AwareDatetime
    floor: int = Field(ge=1, description="The floor the gate applied: fewer events were not work.")
    instances: tuple[InstanceActivity, ...] = ()

    def message_id(self) -> str:
        """``Nats-Msg-Id``: a retried publish of the same report is a JetStream duplicate."""
        return f"activity:{self.reporter}:{self.window_ended_at.timestamp():.3f}"


def parse_report(data: bytes | str) -> ActivityReport:
    """Parse a report from JSON; raises ``pydantic.ValidationError``."""
    return ActivityReport.model_validate_json(data)
