"""Settings of the expiry service, read from ``ORCHESTRA_EXPIRY_*`` environment variables."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from orchestra_shared.settings import DatabaseSettings, NatsSettings


class ExpirySettings(NatsSettings, DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORCHESTRA_EXPIRY_", extra="ignore")

    warning_leads: list[int] = Field(
        default_factory=lambda: [900, 300],
        description="Seconds before the deadline at which the learner is warned (15 and 5 min).",
    )
    tick: float = Field(
        default=0.25,
        description=(
            "Seconds between scans of the schedule; bounds lateness (the goal is under 2 s) "
            "at the cost of one indexed query per tick."
        ),
    )
    batch_size: int = Field(default=200, description="Deadlines fired per scan.")
