"""Kubernetes resource quantities (``500m``, ``2``, ``4Gi``, ``1G``) read as exact numbers.

Templates keep quantities as the strings their authors wrote, because that is what goes into
the pod spec. To compare a request with its limit, or a limit with the platform's cap, we need
their values: this module gives them, with ``Decimal`` so that ``0.1`` and ``100m`` are equal.
Used by the template model (``orchestra_shared.templates``) and by anything that adds
quantities up (capacity, quotas).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

__all__ = ["QUANTITY_PATTERN", "ByteQuantity", "Quantity", "parse_quantity"]

_SUFFIXES: dict[str, Decimal] = {
    "": Decimal(1),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
    "Ei": Decimal(2) ** 60,
}

#: Non-negative quantities as Kubernetes accepts them (the sign is left out on purpose: no
#: resource in a template can be negative). Also used in the JSON Schema.
QUANTITY_PATTERN = (
    r"^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"  # a decimal number, then one kind of suffix:
    r"(?:[eE][+-]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$"  # exponent, decimal SI, binary SI
)

_QUANTITY = re.compile(QUANTITY_PATTERN)
_NUMBER = re.compile(r"^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(.*)$")


def parse_quantity(text: str) -> Decimal:
    """The value of a quantity, in base units (cores, bytes); ``ValueError`` if it is not one."""
    if not _QUANTITY.fullmatch(text):
        raise ValueError(_explain(text))
    match = _NUMBER.fullmatch(text)
    assert match is not None  # the pattern above guarantees a leading number
    number, suffix = match.groups()
    if suffix[:1] in ("e", "E"):
        return Decimal(number) * Decimal(10) ** int(suffix[1:])
    return Decimal(number) * _SUFFIXES[suffix]


def _explain(text: str) -> str:
    """Say why ``text`` is not a quantity, naming the usual mistakes."""
    examples = "such as '500m', '2', '512Mi' or '4Gi'"
    if not text.strip():
        return f"a quantity is required, {examples}"
    if text.startswith("-"):
        return f"{text!r} is negative; a resource quantity must be positive"
    if " " in text:
        return f"{text!r} is not a quantity: write it without spaces, {examples}"
    for wrong, right in (("GB", "G or Gi"), ("MB", "M or Mi"), ("gi", "Gi"), ("mi", "Mi")):
        if text.endswith(wrong):
            return f"{text!r} is not a quantity: write the unit as {right}, {examples}"
    return f"{text!r} is not a Kubernetes quantity, {examples}"


def _positive_quantity(text: str) -> str:
    if parse_quantity(text) <= 0:
        raise ValueError(f"{text!r} must be more than zero")
    return text


def _at_least_a_mebibyte(text: str) -> str:
    # A bare number is bytes in Kubernetes; "memory: 4" is almost always a forgotten unit.
    if parse_quantity(text) < 2**20:
        raise ValueError(f"{text!r} is less than 1Mi: did you forget the unit, as in '{text}Gi'?")
    return text


_SCHEMA = WithJsonSchema({"type": "string", "pattern": QUANTITY_PATTERN})

#: A positive quantity field for pydantic models, kept as the text written (as in pod specs).
Quantity = Annotated[str, AfterValidator(_positive_quantity), _SCHEMA]

#: A quantity of bytes (memory, disk): at least 1Mi, to catch a forgotten unit.
ByteQuantity = Annotated[
    str, AfterValidator(_positive_quantity), AfterValidator(_at_least_a_mebibyte), _SCHEMA
]
