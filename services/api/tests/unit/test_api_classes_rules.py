"""The pure rules of classes: the waiting room's estimate, a class's plan, join codes."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from services.api.tests.apis import write_catalog

from orchestra_api.enrolling import ClassRequest, normalise_code, plan_class
from orchestra_api.placing import estimate
from orchestra_api.problems import InvalidRequest, NotFound
from orchestra_shared.catalogs import load_catalog

NOW = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)


def request(**fields: object) -> ClassRequest:
    values: dict[str, object] = {
        "title": " RNA-seq ",
        "template": "alpha",
        "starts_at": NOW + timedelta(hours=1),
        "ends_at": NOW + timedelta(hours=9),
        "expected_size": 30,
        "seats": None,
        "session_tag": None,
        "instructor_emails": ["Grace@Example.org"],
        "instructor_groups": [" tas ", ""],
        **fields,
    }
    return ClassRequest(**values)  # type: ignore[arg-type]


def test_no_estimate_without_a_pace() -> None:
    assert estimate(3, ended_recently=0, window_seconds=1800, median_ready_seconds=40) is None


def test_the_estimate_grows_with_the_position() -> None:
    # 30 sessions ended in 30 minutes: one seat a minute, then the median 40 s to Ready.
    first = estimate(1, ended_recently=30, window_seconds=1800, median_ready_seconds=40)
    fifth = estimate(5, ended_recently=30, window_seconds=1800, median_ready_seconds=40)
    assert (first, fifth) == (100, 340)


def test_a_class_plan_draws_its_id_code_and_tag(tmp_path: Path) -> None:
    catalog = load_catalog(write_catalog(tmp_path))
    draw = "abcd" + "0123456789" + "bcdfghjk"
    planned = plan_class(request(), creator="boss@example.org", catalog=catalog, now=NOW, draw=draw)
    assert (planned.id, planned.join_code, planned.session_tag) == (
        "0123456789",
        "bcdfghjk",
        "0901-abcd",
    )
    assert planned.title == "RNA-seq"
    assert planned.instructor_emails == ["boss@example.org", "grace@example.org"]
    assert planned.instructor_groups == ["tas"]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"template": "retired"}, NotFound),
        ({"ends_at": NOW + timedelta(minutes=30)}, InvalidRequest),  # before it starts
        ({"session_tag": "Not A Tag"}, InvalidRequest),
        ({"session_tag": "-x"}, InvalidRequest),
    ],
)
def test_a_class_plan_refuses(tmp_path: Path, fields: dict[str, object], error: type) -> None:
    catalog = load_catalog(write_catalog(tmp_path))
    with pytest.raises(error):
        plan_class(request(**fields), creator="b@x.org", catalog=catalog, now=NOW, draw="x" * 22)


def test_join_codes_are_typed_by_people() -> None:
    assert normalise_code(" BCDF-ghjk ") == "bcdfghjk"
