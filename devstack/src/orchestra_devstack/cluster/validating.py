"""
What a real API server refuses in an object it is asked to store, refused here too (422).

There is no real kube-apiserver on these machines, so the emulated cluster is the Kubernetes
API of every test; whatever it accepts and a real one refuses is a bug that first shows in
production. Before ``storing`` keeps a created or changed object, ``check`` applies the
rules the platform can trip over, each as the API server words it:

- object names per kind: an RFC 1035 label for a Service (it becomes a DNS name, so it must
  start with a letter), an RFC 1123 label for a Namespace, a path segment for RBAC objects,
  an RFC 1123 subdomain (at most 253) for everything else, custom resources included;
- label keys and values, annotation keys, and the 256 KiB limit on all annotations;
- the fields of built-in kinds against Kubernetes' own schemas (``schemas``, from
  ``kubernetes-validate``), and of custom resources against their CRD's ``openAPIV3Schema``:
  types, required fields, enums, bounds, formats, and unknown fields.

A real server drops unknown fields with a warning unless the client asks for
``fieldValidation=Strict`` (kubectl does); the emulated cluster always refuses them, because a
field dropped on the way is a bug (a typo in a manifest) that the tests should see.
The refusal is a ``Status`` with ``reason: Invalid`` and one ``cause`` per problem, as
client libraries and ``kubectl`` expect.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from jsonschema import ValidationError
from jsonschema.protocols import Validator

from orchestra_devstack.cluster import schemas
from orchestra_devstack.cluster.definitions import Definition
from orchestra_devstack.cluster.errors import InvalidError

Cause = dict[str, str]

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL = re.compile(_LABEL)
DNS1123_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
MAX_LABEL = 63
MAX_SUBDOMAIN = 253
MAX_ANNOTATIONS_BYTES = 256 * 1024

_DNS1035_MESSAGE = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
    "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
_DNS1123_LABEL_MESSAGE = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
_DNS1123_SUBDOMAIN_MESSAGE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*"
    "[a-z0-9])?)*')"
)
_QUALIFIED_MESSAGE = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
    "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
    "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
_LABEL_VALUE_MESSAGE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


def _invalid(field: str, value: object, message: str) -> Cause:
    shown = json.dumps(value) if isinstance(value, str) else json.dumps(value, default=str)
    return {
        "reason": "FieldValueInvalid",
        "message": f"Invalid value: {shown}: {message}",
        "field": field,
    }


def name_causes(definition: Definition, name: str) -> list[Cause]:
    """What is wrong with ``name`` for an object of this kind (empty: nothing)."""
    field = "metadata.name"
    if definition.group == "" and definition.kind == "Service":
        if len(name) > MAX_LABEL:
            return [_invalid(field, name, f"must be no more than {MAX_LABEL} characters")]
        ok = DNS1035_LABEL.fullmatch(name)
        return [] if ok else [_invalid(field, name, _DNS1035_MESSAGE)]
    if definition.group == "" and definition.kind == "Namespace":
        if len(name) > MAX_LABEL:
            return [_invalid(field, name, f"must be no more than {MAX_LABEL} characters")]
        ok = DNS1123_LABEL.fullmatch(name)
        return [] if ok else [_invalid(field, name, _DNS1123_LABEL_MESSAGE)]
    if definition.group == "rbac.authorization.k8s.io":
        if name in (".", "..") or "/" in name or "%" in name:
            return [_invalid(field, name, "may not be '.' or '..' and may not contain '/' or '%'")]
        return []
    if len(name) > MAX_SUBDOMAIN:
        return [_invalid(field, name, f"must be no more than {MAX_SUBDOMAIN} characters")]
    ok = DNS1123_SUBDOMAIN.fullmatch(name)
    return [] if ok else [_invalid(field, name, _DNS1123_SUBDOMAIN_MESSAGE)]


def _key_problems(key: str) -> list[str]:
    """Why ``key`` is not a qualified name (``[prefix/]name``), as the API server says it."""
    prefix, slash, name = key.rpartition("/")
    problems = []
    if slash and not prefix:
        problems.append("prefix part must be non-empty")
    elif slash and (len(prefix) > MAX_SUBDOMAIN or not DNS1123_SUBDOMAIN.fullmatch(prefix)):
        problems.append(f"prefix part {_DNS1123_SUBDOMAIN_MESSAGE}")
    if not name:
        problems.append("name part must be non-empty")
    elif len(name) > MAX_LABEL:
        problems.append(f"name part must be no more than {MAX_LABEL} characters")
    elif not QUALIFIED_NAME.fullmatch(name):
        problems.append(_QUALIFIED_MESSAGE)
    return problems


def metadata_causes(metadata: Mapping[str, Any]) -> list[Cause]:
    """Label keys and values, annotation keys and size."""
    causes: list[Cause] = []
    labels = metadata.get("labels") or {}
    annotations = metadata.get("annotations") or {}
    for key, value in labels.items() if isinstance(labels, Mapping) else ():
        causes += [_invalid("metadata.labels", key, p) for p in _key_problems(str(key))]
        if not isinstance(value, str):
            continue  # the schema says so
        if len(value) > MAX_LABEL:
            message = f"must be no more than {MAX_LABEL} characters"
            causes.append(_invalid("metadata.labels", value, message))
        elif value and not QUALIFIED_NAME.fullmatch(value):
            causes.append(_invalid("metadata.labels", value, _LABEL_VALUE_MESSAGE))
    if isinstance(annotations, Mapping):
        for key in annotations:
            causes += [_invalid("metadata.annotations", key, p) for p in _key_problems(str(key))]
        size = sum(len(f"{k}{v or ''}".encode()) for k, v in annotations.items())
        if size > MAX_ANNOTATIONS_BYTES:
            causes.append(
                {
                    "reason": "FieldValueTooLong",
                    "message": f"Too long: must have at most {MAX_ANNOTATIONS_BYTES} bytes",
                    "field": "metadata.annotations",
                }
            )
    return causes


def _field_path(path: Iterable[Any]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _schema_causes(error: ValidationError) -> list[Cause]:
    where = _field_path(error.absolute_path)
    if error.validator == "required":
        missing = re.match(r"'([^']+)' is a required property", error.message)
        name = missing.group(1) if missing else "?"
        field = f"{where}.{name}" if where else name
        return [{"reason": "FieldValueRequired", "message": "Required value", "field": field}]
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        known = set((error.schema or {}).get("properties") or {})
        instance = error.instance if isinstance(error.instance, Mapping) else {}
        unknown = sorted(str(name) for name in instance if name not in known)
        return [
            {
                "reason": "FieldValueInvalid",
                "message": f'unknown field "{f"{where}.{name}" if where else name}"',
                "field": f"{where}.{name}" if where else name,
            }
            for name in unknown
        ]
    if error.validator == "enum":
        allowed = ", ".join(json.dumps(v) for v in error.validator_value)
        return [
            {
                "reason": "FieldValueNotSupported",
                "message": f"Unsupported value: {json.dumps(error.instance)}: "
                f"supported values: {allowed}",
                "field": where,
            }
        ]
    return [_invalid(where, error.instance, error.message)]


def schema_causes(validator: Validator, body: Mapping[str, Any]) -> list[Cause]:
    causes: list[Cause] = []
    for error in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.path))):
        causes += _schema_causes(error)
    return causes


def check(
    definition: Definition,
    body: Mapping[str, Any],
    *,
    crd_schema: Validator | None,
    before: Mapping[str, Any] | None = None,
) -> None:
    """Raise ``InvalidError`` (422) with every cause a real server would give, or return.

    ``before``: the stored object an update replaces, already checked. Its top-level
    sections that the update leaves as they were (a status write's spec) are not checked
    again, unless the schema requires them: a Pod's spec is most of the schema's work.
    """
    metadata = body.get("metadata") or {}
    name = str(metadata.get("name") or "")
    causes = name_causes(definition, name) + metadata_causes(metadata)
    validator = crd_schema or schemas.builtin_validator(definition.api_version, definition.kind)
    if validator is not None:
        if before is not None:
            required = set(validator.schema.get("required") or ())
            body = {
                key: value
                for key, value in body.items()
                if key in required or key == "metadata" or before.get(key) != value
            }
        if not schemas.quickly_valid(validator, body):
            causes += schema_causes(validator, body)
    if not causes:
        return
    summary = "; ".join(f"{c['field']}: {c['message']}" for c in causes)
    if len(causes) > 1:
        summary = f"[{summary}]"
    raise InvalidError(
        f'{definition.kind} "{name}" is invalid: {summary}',
        details={
            "name": name,
            "group": definition.group,
            "kind": definition.kind,
            "causes": causes,
        },
    )
