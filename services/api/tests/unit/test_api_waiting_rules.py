"""The waiting room's pure rules: which line a refusal waits in, and who moves with whom."""

from datetime import UTC, datetime

from orchestra_api.admitting import Refusal
from orchestra_api.placing import same_line
from orchestra_api.tickets import TicketRecord
from orchestra_api.waiting import line_of

NOW = datetime(2026, 9, 1, 9, tzinfo=UTC)


def ticket(
    n: int, blocked_on: str, class_id: str | None = None, slug: str = "alpha"
) -> TicketRecord:
    return TicketRecord(
        id=n,
        class_id=class_id,
        owner=f"l{n}@example.org",
        enqueued_at=NOW,
        state="waiting",
        blocked_on=blocked_on,
        instance=None,
        reason=None,
        template_slug=slug,
        duration=None,
        idempotency_key=None,
        settled_at=None,
    )


def test_a_full_platform_or_template_waits_in_its_line_and_a_limit_never_waits() -> None:
    assert line_of(None) is None
    assert line_of(Refusal("capacity", 10)) == "capacity"
    assert line_of(Refusal("template-capacity", 2)) == "template"
    assert line_of(Refusal("per-user", 3)) is None
    assert line_of(Refusal("per-template", 1)) is None


def test_everyone_waiting_for_capacity_is_in_one_line_classes_and_launches_alike() -> None:
    assert same_line(ticket(1, "capacity", "c1"), ticket(2, "capacity"))
    assert same_line(ticket(1, "capacity", slug="alpha"), ticket(2, "capacity", slug="beta"))


def test_seats_are_a_class_line_and_a_template_cap_a_template_line() -> None:
    assert same_line(ticket(1, "seats", "c1"), ticket(2, "seats", "c1"))
    assert not same_line(ticket(1, "seats", "c1"), ticket(2, "seats", "c2"))
    assert not same_line(ticket(1, "seats", "c1"), ticket(2, "capacity", "c1"))
    assert same_line(ticket(1, "template"), ticket(2, "template", "c1"))
    assert not same_line(ticket(1, "template", slug="alpha"), ticket(2, "template", slug="beta"))
