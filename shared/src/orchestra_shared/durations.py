"""Durations as people write them in templates and requests: ``30m``, ``4h``, ``1d``, ``1h30m``.

Template files, the API (requested and extended durations) and the CLI all speak this one
compact notation, so the parser and its inverse live in ``shared``. ISO 8601 (``PT4H``) is
what pydantic accepts by default, but nobody writes that in a reviewed YAML file.

The grammar is one or more ``<digits><unit>`` parts, units in decreasing order, each at most
once: ``d`` (days), ``h`` (hours), ``m`` (minutes), ``s`` (seconds). No spaces, no signs, no
fractions: ``1.5h`` is written ``1h30m``, so there is exactly one way to read every value.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema

__all__ = ["DURATION_PATTERN", "Duration", "format_duration", "parse_duration"]

#: The accepted notation as a regular expression; also used in the JSON Schema, so editors
#: reject a bad duration while the author types. The lookahead forbids the empty string.
DURATION_PATTERN = r"^(?=[0-9])(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$"

_DURATION = re.compile(DURATION_PATTERN)
_UNITS: tuple[tuple[str, int], ...] = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))


def parse_duration(text: str) -> datetime.timedelta:
    """Read a duration such as ``4h`` or ``1h30m``; raise ``ValueError`` saying what is wrong."""
    match = _DURATION.fullmatch(text)
    if match is None:
        raise ValueError(_explain(text))
    seconds = sum(
        int(amount) * factor
        for amount, (_, factor) in zip(match.groups(), _UNITS, strict=True)
        if amount is not None
    )
    try:
        return datetime.timedelta(seconds=seconds)
    except OverflowError:
        raise ValueError(f"duration {text!r} is too long") from None


def format_duration(value: datetime.timedelta) -> str:
    """Write ``value`` in the shortest form ``parse_duration`` reads back to the same value."""
    if value < datetime.timedelta(0):
        raise ValueError(f"cannot write a negative duration ({value})")
    if value.microseconds:
        raise ValueError(f"cannot write a duration with fractions of a second ({value})")
    remaining = value.days * 86_400 + value.seconds
    if remaining == 0:
        return "0s"
    parts: list[str] = []
    for unit, factor in _UNITS:
        amount, remaining = divmod(remaining, factor)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts)


def _explain(text: str) -> str:
    """Say why ``text`` is not a duration, pointing at the most likely mistake."""
    example = "use a number and a unit (d, h, m or s), such as '30m', '4h', '1d' or '1h30m'"
    if not text.strip():
        return f"a duration is required: {example}"
    if text != text.strip() or " " in text:
        return f"{text!r} is not a duration: write it without spaces, such as '1h30m'"
    if text.isdigit():
        return f"{text!r} is not a duration: the unit is missing; {example}"
    if "." in text or "," in text:
        return f"{text!r} is not a duration: fractions are not allowed; write '1h30m', not '1.5h'"
    if text != text.lower():
        return f"{text!r} is not a duration: units are lowercase; {example}"
    return f"{text!r} is not a duration: {example}, largest unit first"


def _to_timedelta(value: object) -> object:
    # Our notation for strings (files, JSON); timedeltas pass through from Python callers;
    # anything else is left for the strict timedelta check to reject with a type error.
    return parse_duration(value) if isinstance(value, str) else value


def _positive(value: datetime.timedelta) -> datetime.timedelta:
    if value <= datetime.timedelta(0):
        raise ValueError("must be longer than zero")
    return value


#: A positive duration field for pydantic models: read from our notation, written back in it
#: in JSON, and described in JSON Schema by ``DURATION_PATTERN``.
Duration = Annotated[
    datetime.timedelta,
    BeforeValidator(_to_timedelta),
    AfterValidator(_positive),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN, "examples": ["30m", "4h"]}),
]
