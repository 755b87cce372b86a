"""The duration notation: examples, messages, and properties over many values."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestra_shared.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("30m", timedelta(minutes=30)),
        ("4h", timedelta(hours=4)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("90m", timedelta(minutes=90)),
        ("45s", timedelta(seconds=45)),
        ("0m", timedelta(0)),
    ],
)
def test_examples(text: str, value: timedelta) -> None:
    assert parse_duration(text) == value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(hours=4), "4h"),
        (timedelta(minutes=90), "1h30m"),
        (timedelta(days=1, seconds=1), "1d1s"),
        (timedelta(0), "0s"),
    ],
)
def test_shortest_form(value: timedelta, text: str) -> None:
    assert format_duration(value) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("90", "'90' is not a duration: the unit is missing"),
        ("1.5h", "'1.5h' is not a duration: fractions are not allowed; write '1h30m'"),
        ("4H", "'4H' is not a duration: units are lowercase"),
        ("1 h", "'1 h' is not a duration: write it without spaces"),
        ("30m1h", "'30m1h' is not a duration: use a number and a unit"),
        ("", "a duration is required"),
        ("-1h", "'-1h' is not a duration"),
        ("PT4H", "'PT4H' is not a duration"),
    ],
)
def test_messages(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        parse_duration(text)


def test_values_it_cannot_write() -> None:
    with pytest.raises(ValueError, match="negative"):
        format_duration(timedelta(minutes=-1))
    with pytest.raises(ValueError, match="fractions of a second"):
        format_duration(timedelta(seconds=1.5))


def test_a_duration_too_long_for_python() -> None:
    with pytest.raises(ValueError, match="too long"):
        parse_duration("99999999999d")


whole_seconds = st.builds(
    timedelta, seconds=st.integers(min_value=0, max_value=999_999_999 * 86_400)
)


@given(whole_seconds)
def test_format_then_parse_gives_the_same_value(value: timedelta) -> None:
    assert parse_duration(format_duration(value)) == value


@given(whole_seconds)
def test_the_written_form_is_canonical(value: timedelta) -> None:
    text = format_duration(value)
    assert format_duration(parse_duration(text)) == text


@given(st.text().filter(lambda text: not re.fullmatch(r"([0-9]+[dhms])+", text)))
def test_anything_else_is_refused_with_a_message_quoting_it(text: str) -> None:
    with pytest.raises(ValueError, match="duration") as caught:
        parse_duration(text)
    assert text.strip() == "" or repr(text) in str(caught.value)


@given(st.lists(st.sampled_from("dhms"), min_size=1, unique=True), st.data())
def test_units_out_of_order_are_refused(units: list[str], data: st.DataObject) -> None:
    text = "".join(f"{data.draw(st.integers(0, 99))}{unit}" for unit in units)
    if units != sorted(units, key="dhms".index):
        with pytest.raises(ValueError, match="largest unit first"):
            parse_duration(text)
    else:
        assert parse_duration(text) >= timedelta(0)


@given(st.text(alphabet="0123456789dhms .-:", min_size=1))
def test_text_near_the_notation_is_parsed_only_when_well_formed(text: str) -> None:
    try:
        value = parse_duration(text)
    except ValueError:
        return
    assert value >= timedelta(0)
    assert not set(text) & {" ", "-", ".", ":"}
