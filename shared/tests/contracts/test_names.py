"""Instance names are RFC 1035 labels whatever the slug, session and suffix: a Service and a
host are named after them, and Kubernetes refuses a Service name that starts with a digit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestra_shared.names import instance_name, is_dns_label, is_service_name


@pytest.mark.parametrize(
    ("course", "expected"),
    [
        ("jupyter", "jupyter-1122-bcd234"),
        ("10x-genomics", "ws-10x-genomics-1122-bcd234"),
        ("2026", "ws-2026-1122-bcd234"),
        ("---", "ws-1122-bcd234"),
        ("Ünïcode Course", "n-code-course-1122-bcd234"),
    ],
)
def test_a_name_starts_with_a_letter(course: str, expected: str) -> None:
    name = instance_name(course, "1122", "bcd234")
    assert name == expected
    assert is_service_name(name)


def test_a_long_course_starting_with_a_digit_still_fits() -> None:
    name = instance_name("4" * 40, "spring-cohort-2026", "bcd234")
    assert is_service_name(name)
    assert len(name) <= 63
    assert name.startswith("ws-444")


def test_service_names_are_stricter_than_dns_labels() -> None:
    assert is_dns_label("10x-a")
    assert not is_service_name("10x-a")
    assert is_service_name("a")
    for bad in ("a-", "A", "a" * 64):
        assert not is_service_name(bad), bad


@given(
    course=st.text(min_size=0, max_size=60),
    session=st.text(min_size=0, max_size=30),
    suffix=st.text(alphabet="bcdfghjklmnpqrstvwxz2456789", min_size=1, max_size=8),
)
def test_any_slug_and_session_give_a_service_name(course: str, session: str, suffix: str) -> None:
    assert is_service_name(instance_name(course, session, suffix))
