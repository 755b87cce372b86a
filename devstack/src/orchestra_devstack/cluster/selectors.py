"""
Label and field selectors, parsed and matched the way the API server does.

kmock ignores ``labelSelector`` and ``fieldSelector``; the operator and the
sync service select their own objects by label, so lists and watches here
filter with these. Pure functions, no I/O.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from orchestra_devstack.cluster.errors import BadRequestError

_SET_RE = re.compile(r"^\s*(!?)([^\s!=()]+)\s+(in|notin)\s*\((.*)\)\s*$")
_CMP_RE = re.compile(r"^\s*([^\s!=()]+)\s*(==|=|!=)\s*([^\s!=()]*)\s*$")
_EXISTS_RE = re.compile(r"^\s*(!?)([^\s!=()]+)\s*$")


@dataclasses.dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # "=", "!=", "in", "notin", "exists", "!exists"
    values: frozenset[str] = frozenset()

    def matches(self, value: str | None) -> bool:
        if self.operator == "exists":
            return value is not None
        if self.operator == "!exists":
            return value is None
        if self.operator in ("=", "in"):
            return value is not None and value in self.values
        # "!=" and "notin" also match when the key is absent, as in Kubernetes.
        return value is None or value not in self.values


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside ``in (a,b)`` parentheses."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part for part in parts if part.strip()]


def parse_label_selector(text: str | None) -> list[Requirement]:
    requirements: list[Requirement] = []
    for part in _split_top_level(text or ""):
        if match := _SET_RE.match(part):
            if match.group(1):
                raise BadRequestError(f"unable to parse requirement: {part!r}")
            values = frozenset(v.strip() for v in match.group(4).split(",") if v.strip())
            requirements.append(Requirement(match.group(2), match.group(3), values))
        elif match := _CMP_RE.match(part):
            operator = "!=" if match.group(2) == "!=" else "="
            requirements.append(Requirement(match.group(1), operator, frozenset({match.group(3)})))
        elif match := _EXISTS_RE.match(part):
            operator = "!exists" if match.group(1) else "exists"
            requirements.append(Requirement(match.group(2), operator))
        else:
            raise BadRequestError(f"unable to parse requirement: {part!r}")
    return requirements


def parse_field_selector(text: str | None) -> list[Requirement]:
    requirements: list[Requirement] = []
    for part in _split_top_level(text or ""):
        match = _CMP_RE.match(part)
        if not match:
            raise BadRequestError(f"invalid field selector: {part!r}")
        operator = "!=" if match.group(2) == "!=" else "="
        requirements.append(Requirement(match.group(1), operator, frozenset({match.group(3)})))
    return requirements


def _field_value(body: Mapping[str, Any], path: str) -> str:
    value: Any = body
    for step in path.split("."):
        value = value.get(step) if isinstance(value, Mapping) else None
    if value is None:
        return ""  # Kubernetes compares absent fields as empty strings
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclasses.dataclass(frozen=True)
class Selector:
    """Both selectors of one list or watch request."""

    labels: tuple[Requirement, ...] = ()
    fields: tuple[Requirement, ...] = ()

    @classmethod
    def parse(cls, *, labels: str | None, fields: str | None) -> Selector:
        return cls(tuple(parse_label_selector(labels)), tuple(parse_field_selector(fields)))

    def matches(self, body: Mapping[str, Any]) -> bool:
        metadata = body.get("metadata") or {}
        labels = metadata.get("labels") or {}
        if not all(req.matches(labels.get(req.key)) for req in self.labels):
            return False
        return all(req.matches(_field_value(body, req.key)) for req in self.fields)
