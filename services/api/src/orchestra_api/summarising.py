"""A class's report: attendance, time to Ready, failures and session lengths (docs/src/content/docs/decisions/0070).

Pure: a ``teaching.Roster`` and the clock in, rows and totals out, and their CSV; nothing
is recorded for the report beyond the rows sync and the api already keep. A session that
was a claimed warm instance counts from its claim (``Roster.started_at``), not from the
warm instance's start before the class. Called by ``routes.classes``.
"""

import csv
import io
import statistics
from dataclasses import dataclass
from datetime import datetime

from orchestra_api.teaching import Roster

CSV_COLUMNS = (
    "learner",
    "joined_at",
    "sessions",
    "first_ready_seconds",
    "failures",
    "failure_reasons",
    "session_seconds",
    "extensions",
)


@dataclass(frozen=True)
class LearnerLine:
    learner: str
    joined_at: datetime
    sessions: int
    first_ready_seconds: float | None
    failures: int
    failure_reasons: list[str]
    session_seconds: float
    extensions: int


@dataclass(frozen=True)
class Totals:
    attendance: int
    expected: int
    sessions: int
    ready: int
    failures: int
    median_ready_seconds: float | None
    p90_ready_seconds: float | None
    median_session_seconds: float | None


def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def summarise(roster: Roster, now: datetime) -> tuple[list[LearnerLine], Totals]:
    lines: list[LearnerLine] = []
    readies: list[float] = []
    lengths: list[float] = []
    for member in roster.members:
        mine = [s for s in roster.sessions if s.owner == member.owner]
        ready = [t for t in map(roster.seconds_to_ready, mine) if t is not None]
        failed = [s for s in mine if s.phase == "Failed"]
        length = sum(_seconds(roster.started_at(s), s.terminated_at or now) for s in mine)
        readies.extend(ready)
        if mine:
            lengths.append(length)
        lines.append(
            LearnerLine(
                learner=member.owner,
                joined_at=member.joined_at,
                sessions=len(mine),
                first_ready_seconds=ready[0] if ready else None,
                failures=len(failed),
                failure_reasons=[s.reason or "unknown" for s in failed],
                session_seconds=length,
                extensions=sum(s.extensions for s in mine),
            )
        )
    totals = Totals(
        attendance=len(roster.members),
        expected=roster.klass.expected_size,
        sessions=len(roster.sessions),
        ready=sum(1 for s in roster.sessions if s.ready_at is not None),
        failures=sum(1 for s in roster.sessions if s.phase == "Failed"),
        median_ready_seconds=statistics.median(readies) if readies else None,
        p90_ready_seconds=_p90(readies),
        median_session_seconds=statistics.median(lengths) if lengths else None,
    )
    return lines, totals


def report_csv(lines: list[LearnerLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        writer.writerow(
            (
                # A learner's email cannot start a formula in a spreadsheet.
                line.learner.lstrip("=+-@"),
                line.joined_at.isoformat(),
                line.sessions,
                "" if line.first_ready_seconds is None else f"{line.first_ready_seconds:.1f}",
                line.failures,
                "; ".join(line.failure_reasons),
                f"{line.session_seconds:.0f}",
                line.extensions,
            )
        )
    return out.getvalue()
