"""Pagination cursors: a round trip, and refusal of anything the api did not hand out."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestra_api.pages import Cursor, decode_cursor, encode_cursor
from orchestra_api.problems import InvalidRequest


@given(
    created_at=st.datetimes(timezones=st.just(UTC)),
    name=st.text(min_size=1, max_size=63),
)
def test_cursors_round_trip(created_at: datetime, name: str) -> None:
    cursor = Cursor(created_at=created_at, name=name)
    assert decode_cursor(encode_cursor(cursor)) == cursor


def test_no_cursor_is_the_first_page() -> None:
    assert decode_cursor(None) is None
    assert decode_cursor("") is None


@pytest.mark.parametrize("text", ["!!", "e30", "WyJ4Il0", "WyIyMDI2LTA5LTAxVDA5OjAwOjAwIiwgIngiXQ"])
def test_foreign_cursors_are_invalid(text: str) -> None:
    with pytest.raises(InvalidRequest):
        decode_cursor(text)
