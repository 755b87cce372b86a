"""The ledger of concurrent recording: per-Workshop order, commit order, the low watermark."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestra_sync.sequencing import Ledger

KEYS = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d"]))


def test_the_resume_point_waits_for_the_oldest_unfinished() -> None:
    ledger = Ledger()
    first, second, third = (ledger.admit(k, v) for k, v in [("a", "1"), ("b", "2"), ("c", "3")])
    ledger.finish(third.number)
    ledger.finish(second.number)
    assert ledger.resume is None  # "1" is still being recorded: resuming at "3" would skip it
    assert ledger.first_pending() == first.number
    ledger.finish(first.number)
    assert ledger.resume == "3"
    assert ledger.first_pending() is None


def test_an_observation_waits_for_the_unfinished_one_of_its_workshop() -> None:
    ledger = Ledger()
    a1, b1, a2 = ledger.admit("a", "1"), ledger.admit("b", "2"), ledger.admit("a", "3")
    assert (a1.after, b1.after, a2.after) == (None, None, a1.number)
    ledger.finish(a1.number)
    assert ledger.admit("a", "4").after == a2.number
    assert ledger.admit("b", "5").after == b1.number


def test_a_finished_observation_is_no_longer_waited_for() -> None:
    ledger = Ledger()
    ledger.finish(ledger.admit("a", "1").number)
    assert ledger.admit("a", "2").after is None


def test_unlabelled_tickets_do_not_move_the_resume_point() -> None:
    ledger = Ledger()
    ledger.finish(ledger.admit("a", "7").number)
    ledger.finish(ledger.admit(None, None).number)
    assert ledger.resume == "7"


def test_finishing_twice_is_a_bug() -> None:
    ledger = Ledger()
    ticket = ledger.admit("a", "1")
    ledger.finish(ticket.number)
    with pytest.raises(ValueError, match="not pending"):
        ledger.finish(ticket.number)


@given(
    keys=st.lists(KEYS, min_size=1, max_size=30),
    picks=st.lists(st.integers(min_value=0, max_value=10_000), max_size=60),
    failing=st.one_of(st.none(), st.integers(min_value=0, max_value=29)),
)
def test_any_completion_order_keeps_the_rules(
    keys: list[str | None], picks: list[int], failing: int | None
) -> None:
    """Tickets finish in any order their Workshop allows; one of them may never finish (failed).

    The resume point is always the label of the newest ticket with every older
    one finished; it never passes an unfinished ticket and never moves back.
    """
    ledger = Ledger()
    tickets = [ledger.admit(key, str(index)) for index, key in enumerate(keys)]
    for index, (key, ticket) in enumerate(zip(keys, tickets, strict=True)):
        earlier = [i for i in range(index) if key is not None and keys[i] == key]
        assert ticket.after == (earlier[-1] if earlier else None)
    finished: set[int] = set()
    resumed = -1

    def runnable() -> list[int]:
        return [
            t.number
            for t in tickets
            if t.number not in finished
            and t.number != failing
            and (t.after is None or t.after in finished)
        ]

    for pick in [*picks, *range(len(tickets) * 2)]:
        ready = runnable()
        if not ready:
            break
        number = ready[pick % len(ready)]
        ledger.finish(number)
        finished.add(number)
        prefix = next((i for i in range(len(tickets)) if i not in finished), len(tickets))
        expected = prefix - 1
        assert ledger.resume == (str(expected) if expected >= 0 else None)
        assert expected >= resumed
        resumed = expected
        assert ledger.first_pending() == (prefix if prefix < len(tickets) else None)
    if failing is None or failing >= len(tickets):
        assert ledger.resume == str(len(tickets) - 1)
        assert len(ledger) == 0
    else:
        assert ledger.first_pending() == failing
        assert ledger.resume == (str(failing - 1) if failing else None)
