"""The launch rules: the learner's limits first, then the platform's and the template's capacity."""

import pytest

from orchestra_api.admitting import Rules, refusal
from orchestra_api.records import Usage

RULES = Rules(per_template=1, per_user=3, capacity=10, template_capacity=4, retry_after=60)


def usage(mine: int = 0, here: int = 0, total: int = 0, of_template: int = 0) -> Usage:
    return Usage(mine=mine, mine_of_template=here, total=total, of_template=of_template)


def test_room_everywhere_admits() -> None:
    assert refusal(usage(mine=2, total=9, of_template=3), RULES) is None


@pytest.mark.parametrize(
    ("counts", "rule", "limit"),
    [
        (usage(mine=1, here=1), "per-template", 1),
        (usage(mine=3), "per-user", 3),
        (usage(total=10), "capacity", 10),
        (usage(of_template=4), "template-capacity", 4),
        (usage(mine=3, here=1, total=10, of_template=4), "per-template", 1),
        (usage(mine=3, total=10), "per-user", 3),
    ],
)
def test_each_rule_refuses_and_limits_come_before_capacity(
    counts: Usage, rule: str, limit: int
) -> None:
    refused = refusal(counts, RULES)
    assert refused is not None
    assert (refused.rule, refused.limit) == (rule, limit)
    assert refused.is_limit == (rule in {"per-template", "per-user"})


def test_templates_without_their_own_capacity_are_bounded_by_the_platform_only() -> None:
    rules = Rules(per_template=1, per_user=3, capacity=10, template_capacity=None, retry_after=1)
    assert refusal(usage(of_template=9, total=9), rules) is None
