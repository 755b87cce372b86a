"""Whether a launch may go ahead: the learner's limits, then the platform's capacity.

Pure: counts and rules in, a refusal (or none) out, so every rule is tested
without a database. ``launching`` takes the counts inside the launch
transaction, under a per-learner lock, and turns a refusal into a problem.

Limits come first: a learner with a running instance is better served by a
409 that offers it than by a 429 telling them to wait.
"""

from dataclasses import dataclass
from typing import Literal

from orchestra_api.config import ApiSettings
from orchestra_api.records import Usage

Rule = Literal["per-template", "per-user", "capacity", "template-capacity"]


@dataclass(frozen=True)
class Rules:
    per_template: int
    per_user: int
    capacity: int
    template_capacity: int | None
    retry_after: int

    @classmethod
    def for_template(cls, settings: ApiSettings, slug: str) -> "Rules":
        return cls(
            per_template=settings.max_active_per_template,
            per_user=settings.max_active_per_user,
            capacity=settings.capacity_total,
            template_capacity=settings.capacity_per_template.get(slug),
            retry_after=settings.capacity_retry_after,
        )


@dataclass(frozen=True)
class Refusal:
    rule: Rule
    limit: int

    @property
    def is_limit(self) -> bool:
        """A learner's own limit (409), rather than the platform being full (429)."""
        return self.rule in ("per-template", "per-user")


def refusal(usage: Usage, rules: Rules) -> Refusal | None:
    if usage.mine_of_template >= rules.per_template:
        return Refusal("per-template", rules.per_template)
    if usage.mine >= rules.per_user:
        return Refusal("per-user", rules.per_user)
    if usage.total >= rules.capacity:
        return Refusal("capacity", rules.capacity)
    if rules.template_capacity is not None and usage.of_template >= rules.template_capacity:
        return Refusal("template-capacity", rules.template_capacity)
    return None
