"""Pure decisions: what a scan does with one entry, and whether a new deadline may replace one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from orchestra_expiry.scheduling import (
    Entry,
    Refusal,
    Terminate,
    Warn,
    decide,
    judge_move,
    rearmed_warnings,
)

EXPIRES = datetime(2026, 11, 22, 13, 30, tzinfo=UTC)
LAUNCHED = EXPIRES - timedelta(hours=2)
LEADS = [900, 300]
GRACE = timedelta(seconds=60)


def entry(**fields: object) -> Entry:
    values: dict[str, object] = {
        "instance": "ws-1",
        "owner": "ada@example.org",
        "expires_at": EXPIRES,
        "revision": 0,
        "startup_deadline": LAUNCHED + timedelta(seconds=600),
        "startup_settled_at": LAUNCHED + timedelta(seconds=20),
    }
    values.update(fields)
    return Entry(**values)  # type: ignore[arg-type]


def at(seconds_before_deadline: float) -> datetime:
    return EXPIRES - timedelta(seconds=seconds_before_deadline)


class TestDecide:
    def test_the_deadline_terminates_with_a_message_id_per_revision(self) -> None:
        assert decide(entry(revision=2), at(0), leads=LEADS, startup_grace=GRACE) == Terminate(
            "expired", "expire:ws-1:2"
        )

    def test_nothing_before_the_first_warning(self) -> None:
        assert decide(entry(), at(901), leads=LEADS, startup_grace=GRACE) is None

    def test_each_warning_at_its_moment(self) -> None:
        assert decide(entry(), at(900), leads=LEADS, startup_grace=GRACE) == Warn(
            900, (900,), "warn:ws-1:0:900"
        )
        assert decide(entry(warned=[900]), at(300), leads=LEADS, startup_grace=GRACE) == Warn(
            300, (300,), "warn:ws-1:0:300"
        )

    def test_warnings_due_together_announce_the_nearest_and_cover_all(self) -> None:
        assert decide(entry(revision=1), at(60), leads=LEADS, startup_grace=GRACE) == Warn(
            300, (900, 300), "warn:ws-1:1:300"
        )

    def test_a_stuck_launch_terminates_after_the_grace(self) -> None:
        stuck = entry(startup_settled_at=None)
        moment = LAUNCHED + timedelta(seconds=600) + GRACE
        assert (
            decide(stuck, moment - timedelta(microseconds=1), leads=[], startup_grace=GRACE) is None
        )
        assert decide(stuck, moment, leads=[], startup_grace=GRACE) == Terminate(
            "startup-timeout", "startup-timeout:ws-1"
        )

    def test_a_settled_launch_is_never_stuck(self) -> None:
        assert decide(entry(), at(60 * 60), leads=[], startup_grace=GRACE) is None

    def test_the_deadline_wins_over_a_stuck_launch(self) -> None:
        stuck = entry(startup_settled_at=None)
        assert decide(stuck, at(0), leads=LEADS, startup_grace=GRACE) == Terminate(
            "expired", "expire:ws-1:0"
        )

    def test_no_deadline_known_yet_means_nothing_but_a_stuck_launch(self) -> None:
        unknown = entry(expires_at=None, revision=-1, startup_deadline=None)
        assert decide(unknown, at(-3600), leads=LEADS, startup_grace=GRACE) is None


class TestJudgeMove:
    def test_a_newer_revision_replaces_the_deadline(self) -> None:
        assert judge_move(entry(revision=1), 2) is None
        assert judge_move(entry(expires_at=None, revision=-1), 0) is None

    def test_an_older_or_equal_revision_is_stale(self) -> None:
        assert judge_move(entry(revision=2), 1) == Refusal.STALE
        assert judge_move(entry(revision=2), 2) == Refusal.STALE

    def test_a_fired_deadline_is_final(self) -> None:
        assert judge_move(entry(fired_at=EXPIRES), 5) == Refusal.FIRED

    def test_a_terminated_instance_is_final(self) -> None:
        assert judge_move(entry(cancelled_at=LAUNCHED, fired_at=EXPIRES), 5) == Refusal.CANCELLED

    @given(stored=st.integers(min_value=-1, max_value=50), incoming=st.integers(0, 50))
    def test_revisions_only_ever_grow(self, stored: int, incoming: int) -> None:
        accepted = judge_move(entry(revision=stored), incoming) is None
        assert accepted == (incoming > stored)


class TestRearming:
    def test_a_moved_deadline_rearms_every_warning(self) -> None:
        assert rearmed_warnings(entry(warned=[900, 300]), EXPIRES + timedelta(hours=1)) == []

    def test_the_same_deadline_keeps_what_was_sent(self) -> None:
        assert rearmed_warnings(entry(warned=[900]), EXPIRES) == [900]
