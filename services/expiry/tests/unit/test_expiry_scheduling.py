"""Schedule arithmetic: which warnings are due, when a deadline is due, when to wake up next."""

import os
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestra_expiry.config import ExpirySettings
from orchestra_expiry.scheduling import due_warnings, is_due, next_wakeup

EXPIRES = datetime(2026, 11, 22, 13, 30, tzinfo=UTC)
LEADS = [900, 300]  # the service's defaults: 15 and 5 minutes


def before(seconds: float) -> datetime:
    return EXPIRES - timedelta(seconds=seconds)


def test_the_default_leads_are_the_ones_tested_here(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.upper().startswith("ORCHESTRA_EXPIRY_")]:
        monkeypatch.delenv(key)
    assert sorted(ExpirySettings().warning_leads, reverse=True) == LEADS


class TestDueWarnings:
    def test_nothing_is_due_before_the_first_lead(self) -> None:
        assert due_warnings(EXPIRES, [], LEADS, before(901)) == []

    def test_the_15_minute_warning_is_due_at_its_moment(self) -> None:
        assert due_warnings(EXPIRES, [], LEADS, before(900)) == [900]
        assert due_warnings(EXPIRES, [], LEADS, before(600)) == [900]

    def test_the_5_minute_warning_is_due_at_its_moment(self) -> None:
        assert due_warnings(EXPIRES, [900], LEADS, before(300)) == [300]
        assert due_warnings(EXPIRES, [900], LEADS, before(301)) == []

    def test_each_warning_is_sent_only_once(self) -> None:
        assert due_warnings(EXPIRES, [900], LEADS, before(600)) == []
        assert due_warnings(EXPIRES, [900, 300], LEADS, before(10)) == []

    def test_missed_warnings_are_all_due_largest_first(self) -> None:
        assert due_warnings(EXPIRES, [], LEADS, before(60)) == [900, 300]
        assert due_warnings(EXPIRES, [], [300, 60, 900], before(30)) == [900, 300, 60]

    def test_duplicate_leads_give_one_warning(self) -> None:
        assert due_warnings(EXPIRES, [], [300, 300], before(100)) == [300]

    @pytest.mark.parametrize("late", [0, 1, 3600])
    def test_no_warning_once_the_deadline_has_come(self, late: int) -> None:
        assert due_warnings(EXPIRES, [], LEADS, before(-late)) == []

    def test_warnings_for_leads_no_longer_configured_are_ignored(self) -> None:
        assert due_warnings(EXPIRES, [600], LEADS, before(60)) == [900, 300]


leads_strategy = st.lists(st.integers(min_value=1, max_value=86_400), max_size=5)
offsets = st.integers(min_value=-86_400, max_value=2 * 86_400)


class TestDueWarningsProperties:
    @given(leads=leads_strategy, warned=leads_strategy, offset=offsets)
    def test_a_warning_is_never_due_before_its_moment_nor_after_the_deadline(
        self, leads: list[int], warned: list[int], offset: int
    ) -> None:
        now = before(offset)
        due = due_warnings(EXPIRES, warned, leads, now)
        for lead in due:
            assert EXPIRES - timedelta(seconds=lead) <= now < EXPIRES
            assert lead in leads
            assert lead not in warned
        assert due == sorted(set(due), reverse=True)

    @given(leads=leads_strategy, offset=st.integers(min_value=1, max_value=86_400))
    def test_before_the_deadline_every_passed_unsent_lead_is_due(
        self, leads: list[int], offset: int
    ) -> None:
        assert set(due_warnings(EXPIRES, [], leads, before(offset))) == {
            lead for lead in leads if lead >= offset
        }

    @given(leads=leads_strategy, offset=offsets)
    def test_once_sent_a_warning_is_never_due_again(self, leads: list[int], offset: int) -> None:
        now = before(offset)
        sent = due_warnings(EXPIRES, [], leads, now)
        assert due_warnings(EXPIRES, sent, leads, now) == []


class TestIsDue:
    def test_due_at_and_after_the_deadline_only(self) -> None:
        assert not is_due(EXPIRES, before(0.001))
        assert is_due(EXPIRES, EXPIRES)
        assert is_due(EXPIRES, before(-1))


class TestNextWakeup:
    def test_nothing_scheduled_means_no_wakeup(self) -> None:
        assert next_wakeup([], LEADS, EXPIRES) is None

    def test_the_first_warning_comes_first(self) -> None:
        assert next_wakeup([EXPIRES], LEADS, before(3600)) == before(900)

    def test_then_the_next_warning_then_the_deadline(self) -> None:
        assert next_wakeup([EXPIRES], LEADS, before(900)) == before(300)
        assert next_wakeup([EXPIRES], LEADS, before(300)) == EXPIRES

    def test_past_deadlines_do_not_wake_anyone(self) -> None:
        assert next_wakeup([EXPIRES], LEADS, EXPIRES) is None

    def test_the_earliest_of_several_deadlines(self) -> None:
        sooner = EXPIRES - timedelta(minutes=10)
        assert next_wakeup([EXPIRES, sooner], LEADS, before(1200)) == sooner - timedelta(
            seconds=300
        )

    @given(
        deadlines=st.lists(st.integers(min_value=-7200, max_value=7200), max_size=4),
        leads=leads_strategy,
        offset=st.integers(min_value=-3600, max_value=3600),
    )
    def test_the_wakeup_is_a_future_moment_with_nothing_due_before_it(
        self, deadlines: list[int], leads: list[int], offset: int
    ) -> None:
        moments = [EXPIRES + timedelta(seconds=d) for d in deadlines]
        now = before(offset)
        wakeup = next_wakeup(moments, leads, now)
        upcoming = [d for d in moments if d > now]
        if wakeup is None:
            assert upcoming == []  # every deadline has passed: only their firing remains
            return
        assert wakeup > now
        just_before = wakeup - timedelta(microseconds=1)
        for deadline in moments:
            assert is_due(deadline, just_before) == is_due(deadline, now)
            if not is_due(deadline, now):
                sent = due_warnings(deadline, [], leads, now)
                assert due_warnings(deadline, sent, leads, just_before) == []
        assert any(
            is_due(d, wakeup) != is_due(d, now)
            or due_warnings(d, due_warnings(d, [], leads, now), leads, wakeup)
            for d in moments
        )
