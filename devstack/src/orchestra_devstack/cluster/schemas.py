"""
The schemas objects are checked against: Kubernetes' own for built-in kinds, a CRD's for its kind.

Built-in kinds: ``kubernetes-validate`` ships the OpenAPI-derived JSON Schemas of each
Kubernetes release, in a strict flavour (``additionalProperties: false`` everywhere), which
is what the emulated cluster wants: a field a real server would not know is a bug to fail a
test on. Its ``validate()`` rereads the 1.5 MB definitions file on every call, so this
module loads each file once and keeps one compiled validator per kind.

Custom resources: a CRD's ``openAPIV3Schema`` is OpenAPI v3 with Kubernetes extensions, not
JSON Schema, so ``crd_json_schema`` translates it: ``nullable`` admits null,
``x-kubernetes-int-or-string`` admits both, an object with ``properties`` and without
``x-kubernetes-preserve-unknown-fields`` admits no other field (a real server prunes them
silently; here they are refused, for the same reason as above). ``metadata``, ``apiVersion``
and ``kind`` are the server's business, never the schema's. CEL rules
(``x-kubernetes-validations``) are not evaluated.

A quick first look: ``quickly_valid`` asks a compiled validator (``jsonschema-rs``, the
same schema and the same date-time rule) whether an object is valid at all, which takes
microseconds where ``jsonschema``'s walk through the ``$ref``s of a Pod template took over
a millisecond: at a class's burst that walk was half of the emulated cluster's CPU
(docs/src/content/docs/benchmarks/emulator.md). Only an object it refuses is walked again
by ``jsonschema``, for the causes a real server gives; its word is final either way.

Used by ``validating``.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import jsonschema
import jsonschema_rs
import referencing
from jsonschema.protocols import Validator

KUBERNETES_VERSION = "1.35"
"""The release whose schemas apply: the one ``/version`` reports (``serving.VERSION``)."""

_FORMATS = jsonschema.FormatChecker()


def _is_date_time(value: object) -> bool:
    # jsonschema checks date-time only with an optional package; Kubernetes always does.
    if not isinstance(value, str):
        return True
    datetime.fromisoformat(value)
    return "T" in value


_FORMATS.checks("date-time", raises=ValueError)(_is_date_time)


def _schema_dir(version: str) -> Any:
    root = importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema"
    for entry in root.iterdir():
        if entry.name.startswith(f"v{version}.") and entry.name.endswith("-local-strict"):
            return entry
    raise LookupError(f"kubernetes-validate has no schemas for Kubernetes {version}")


@functools.cache
def _definitions(version: str) -> referencing.Registry[Any]:
    text = (_schema_dir(version) / "_definitions.json").read_text(encoding="utf-8")
    resource = referencing.Resource.from_contents(json.loads(text))
    return resource @ referencing.Registry()


def _file_name(api_version: str, kind: str) -> str:
    # As kubernetes-validate names them: apps/v1 → apps-v1, networking.k8s.io/v1 → networking-v1.
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{group_version}.json"


@functools.cache
def builtin_validator(
    api_version: str, kind: str, version: str = KUBERNETES_VERSION
) -> Validator | None:
    """The strict validator of a built-in kind, or None if Kubernetes has no schema for it."""
    path = _schema_dir(version) / _file_name(api_version, kind)
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8"))
    validator: Validator = jsonschema.Draft202012Validator(
        schema, registry=_definitions(version), format_checker=_FORMATS
    )
    return validator


@functools.cache
def _quick_registry(version: str) -> jsonschema_rs.Registry:
    path = _schema_dir(version) / "_definitions.json"
    definitions = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema_rs.Registry([(definitions["$id"], definitions)])


def _quick_date_time(value: str) -> bool:
    try:
        return _is_date_time(value)
    except ValueError:
        return False


_QUICK: dict[int, tuple[Any, Any]] = {}
"""Compiled twins of the ``jsonschema`` validators, by their schema (kept alive with it)."""


def _quick(validator: Validator) -> Any:
    schema = validator.schema
    found = _QUICK.get(id(schema))
    if found is not None and found[0] is schema:
        return found[1]
    try:
        quick: Any = jsonschema_rs.Draft202012Validator(
            schema,
            registry=_quick_registry(KUBERNETES_VERSION),
            validate_formats=True,
            formats={"date-time": _quick_date_time},
        )
    except Exception:  # a schema it cannot compile: jsonschema alone, as before
        quick = None
    _QUICK[id(schema)] = (schema, quick)
    return quick


def quickly_valid(validator: Validator, body: Mapping[str, Any]) -> bool:
    """True when the compiled twin of ``validator`` finds nothing wrong with ``body``; False
    when it finds something (or there is no twin): then ``validator`` must tell what."""
    quick = _quick(validator)
    return quick is not None and bool(quick.is_valid(body))


_SERVER_FIELDS = ("apiVersion", "kind", "metadata")


def crd_json_schema(openapi: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that a CRD version's ``openAPIV3Schema`` means."""
    schema = _translate(openapi)
    properties = schema.setdefault("properties", {})
    for name in _SERVER_FIELDS:
        properties[name] = {}  # checked by the server itself (names, labels), not the CRD
    preserve = bool(openapi.get("x-kubernetes-preserve-unknown-fields"))
    if "additionalProperties" not in schema and not preserve:
        schema["additionalProperties"] = False
    return schema


def _translate(node: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties"):
            out[key] = {name: _translate(sub) for name, sub in value.items()}
        elif key == "items" and isinstance(value, Mapping):
            out[key] = _translate(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [_translate(sub) for sub in value]
        elif key == "not" or (key == "additionalProperties" and isinstance(value, Mapping)):
            out[key] = _translate(value)
        elif key.startswith("x-kubernetes-") or key in ("nullable", "description", "example"):
            continue
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    preserve = bool(node.get("x-kubernetes-preserve-unknown-fields"))
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    return out


def crd_validator(openapi: Mapping[str, Any]) -> Validator:
    validator: Validator = jsonschema.Draft202012Validator(
        crd_json_schema(openapi), format_checker=_FORMATS
    )
    return validator
