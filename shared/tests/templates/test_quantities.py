"""Kubernetes quantities: values, equal spellings, and messages for the usual mistakes."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from orchestra_shared.quantities import parse_quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2", Decimal(2)),
        ("500m", Decimal("0.5")),
        ("0.5", Decimal("0.5")),
        (".5", Decimal("0.5")),
        ("4Gi", Decimal(4 * 2**30)),
        ("1G", Decimal(10**9)),
        ("512Mi", Decimal(512 * 2**20)),
        ("1k", Decimal(1000)),
        ("1e3", Decimal(1000)),
        ("100n", Decimal("1e-7")),
    ],
)
def test_values(text: str, value: Decimal) -> None:
    assert parse_quantity(text) == value


def test_spellings_of_the_same_amount_compare_equal() -> None:
    assert parse_quantity("1") == parse_quantity("1000m") == parse_quantity("1.0")
    assert parse_quantity("1Gi") == parse_quantity("1024Mi")
    assert parse_quantity("1G") < parse_quantity("1Gi")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("4GB", "'4GB' is not a quantity: write the unit as G or Gi"),
        ("4gi", "'4gi' is not a quantity: write the unit as Gi"),
        ("-1", "'-1' is negative; a resource quantity must be positive"),
        ("4 Gi", "'4 Gi' is not a quantity: write it without spaces"),
        ("", "a quantity is required"),
        ("two", "'two' is not a Kubernetes quantity"),
        ("1.2.3", "'1.2.3' is not a Kubernetes quantity"),
    ],
)
def test_messages(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        parse_quantity(text)
