"""
Applying PATCH bodies: JSON merge patch (RFC 7386) and JSON patch (RFC 6902).

kmock merges every PATCH body into the object as a dict and fails with 500 on
a JSON-patch list; Kopf sends both kinds (merge-patches for its annotations and
status, JSON-patches guarded by a ``test`` of ``/metadata/resourceVersion`` for
finalizers) and expects 422 when the ``test`` fails. Strategic-merge and
server-side-apply bodies are applied as merge patches (lists are replaced,
not merged by key), which is enough for our clients. Pure functions.
"""

from __future__ import annotations

import copy
from typing import Any

from orchestra_devstack.cluster.errors import InvalidError, UnsupportedMediaTypeError

MERGE = "application/merge-patch+json"
JSON = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"
SUPPORTED = (MERGE, JSON, STRATEGIC, APPLY)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: dicts merge recursively, ``null`` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _split_pointer(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise InvalidError(f"invalid JSON pointer: {pointer!r}")
    return [_unescape(token) for token in pointer[1:].split("/")]


def _index(container: list[Any], token: str, *, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(container)
    if not token.isdigit():
        raise InvalidError(f"invalid array index: {token!r}")
    index = int(token)
    if index > len(container) or (index == len(container) and not allow_end):
        raise InvalidError(f"array index out of range: {index}")
    return index


def _resolve(doc: Any, tokens: list[str]) -> Any:
    for token in tokens:
        if isinstance(doc, dict) and token in doc:
            doc = doc[token]
        elif isinstance(doc, list):
            doc = doc[_index(doc, token, allow_end=False)]
        else:
            raise InvalidError(f"path not found: /{'/'.join(tokens)}")
    return doc


def _add(doc: Any, tokens: list[str], value: Any) -> Any:
    if not tokens:
        return value
    parent = _resolve(doc, tokens[:-1])
    if isinstance(parent, dict):
        parent[tokens[-1]] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, tokens[-1], allow_end=True), value)
    else:
        raise InvalidError(f"cannot add to a scalar at /{'/'.join(tokens[:-1])}")
    return doc


def _remove(doc: Any, tokens: list[str]) -> Any:
    if not tokens:
        raise InvalidError("cannot remove the whole document")
    parent = _resolve(doc, tokens[:-1])
    if isinstance(parent, dict) and tokens[-1] in parent:
        del parent[tokens[-1]]
    elif isinstance(parent, list):
        del parent[_index(parent, tokens[-1], allow_end=False)]
    else:
        raise InvalidError(f"path not found: /{'/'.join(tokens)}")
    return doc


def json_patch(target: Any, operations: Any) -> Any:
    """RFC 6902 on a copy of ``target``; any failed operation raises ``InvalidError`` (422)."""
    if not isinstance(operations, list):
        raise InvalidError("a JSON patch must be a list of operations")
    doc = copy.deepcopy(target)
    for operation in operations:
        if not isinstance(operation, dict) or "op" not in operation or "path" not in operation:
            raise InvalidError(f"malformed JSON patch operation: {operation!r}")
        op = operation["op"]
        tokens = _split_pointer(operation["path"])
        if op == "test":
            if _resolve(doc, tokens) != operation.get("value"):
                raise InvalidError(
                    f"the server rejected our request due to an error in our request: "
                    f"test operation failed at {operation['path']}"
                )
        elif op == "add":
            doc = _add(doc, tokens, copy.deepcopy(operation.get("value")))
        elif op == "remove":
            doc = _remove(doc, tokens)
        elif op == "replace":
            _resolve(doc, tokens)  # must exist
            doc = _add(_remove(doc, tokens), tokens, copy.deepcopy(operation.get("value")))
        elif op in ("move", "copy"):
            source = _split_pointer(operation.get("from", ""))
            value = copy.deepcopy(_resolve(doc, source))
            if op == "move":
                doc = _remove(doc, source)
            doc = _add(doc, tokens, value)
        else:
            raise InvalidError(f"unknown JSON patch operation: {op!r}")
    return doc


def apply_patch(target: dict[str, Any], patch: Any, *, content_type: str) -> dict[str, Any]:
    """Apply a PATCH body of the given content type to a copy of the object."""
    media = content_type.split(";")[0].strip().lower()
    if media == JSON:
        result = json_patch(target, patch)
    elif media in (MERGE, STRATEGIC, APPLY):
        if not isinstance(patch, dict):
            raise InvalidError("a merge patch must be a JSON object")
        result = merge_patch(target, patch)
    else:
        raise UnsupportedMediaTypeError(
            f"the body of the request was in an unknown format - "
            f"accepted media types include: {', '.join(SUPPORTED)}"
        )
    if not isinstance(result, dict):
        raise InvalidError("the patched object is not a JSON object")
    return result
