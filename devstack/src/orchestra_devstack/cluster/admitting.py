"""
What the API server does to an object's body on create and on update.

kmock stores bodies as they come. A real API server fills in the system
metadata (``uid``, ``resourceVersion``, ``creationTimestamp``, ``generation``,
the namespace of the URL), keeps it immutable afterwards, separates the
``status`` subresource from the main resource, bumps ``generation`` when the
spec changes and applies a few defaults. These pure functions do that for
``storing``; the resourceVersion itself is stamped by the store.
"""

from __future__ import annotations

import copy
import datetime
import secrets
import string
from typing import Any

from orchestra_devstack.cluster.definitions import Definition
from orchestra_devstack.cluster.errors import BadRequestError, ConflictError, InvalidError

# Fields only the server writes; on update they are carried over from the stored object.
_SYSTEM_METADATA = ("uid", "creationTimestamp", "deletionTimestamp", "generation", "selfLink")
_NAME_ALPHABET = string.ascii_lowercase + string.digits


def timestamp(now: datetime.datetime) -> str:
    return now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _content(body: dict[str, Any]) -> dict[str, Any]:
    """Everything that counts for ``generation``: neither metadata nor status."""
    return {k: v for k, v in body.items() if k not in ("metadata", "status", "kind", "apiVersion")}


def admit_new(
    definition: Definition,
    namespace: str | None,
    body: Any,
    *,
    uid: str,
    now: datetime.datetime,
) -> dict[str, Any]:
    """The object as stored on create (without its resourceVersion yet)."""
    if not isinstance(body, dict):
        raise BadRequestError("the body of a create request must be a JSON object")
    new = copy.deepcopy(body)
    metadata = dict(new.get("metadata") or {})
    if not metadata.get("name"):
        if not metadata.get("generateName"):
            raise InvalidError(
                f"{definition.kind}: metadata.name: Required value: name or "
                f"generateName is required"
            )
        suffix = "".join(secrets.choice(_NAME_ALPHABET) for _ in range(5))
        metadata["name"] = f"{metadata['generateName']}{suffix}"
    if definition.namespaced:
        declared = metadata.get("namespace")
        if namespace is None:
            raise BadRequestError(f"a {definition.kind} must be created in a namespace")
        if declared and declared != namespace:
            raise BadRequestError(
                "the namespace of the provided object does not match the "
                "namespace sent on the request"
            )
        metadata["namespace"] = namespace
    else:
        metadata.pop("namespace", None)
    for field in (*_SYSTEM_METADATA, "resourceVersion"):
        metadata.pop(field, None)
    metadata.update(uid=uid, creationTimestamp=timestamp(now), generation=1)
    new["metadata"] = metadata
    new["apiVersion"] = definition.api_version
    new["kind"] = definition.kind
    if definition.status_subresource:
        new.pop("status", None)
    _apply_defaults(definition, new)
    return new


def _apply_defaults(definition: Definition, body: dict[str, Any]) -> None:
    if definition.group == "" and definition.kind == "Namespace":
        body.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        body["status"] = {"phase": "Active"}
    elif definition.group == "apps" and definition.kind == "Deployment":
        body.setdefault("spec", {}).setdefault("replicas", 1)


def admit_update(
    definition: Definition,
    old: dict[str, Any],
    candidate: Any,
    *,
    subresource: str | None,
) -> dict[str, Any]:
    """The object as stored after a patch or a replace (without its new resourceVersion).

    ``candidate`` is the client's intended object (the patched copy, or the PUT body).
    """
    if not isinstance(candidate, dict):
        raise BadRequestError("the body of an update must be a JSON object")
    old_metadata = old["metadata"]
    requested = (candidate.get("metadata") or {}).get("resourceVersion")
    if requested and str(requested) != old_metadata["resourceVersion"]:
        raise ConflictError(
            f"Operation cannot be fulfilled on {definition.qualified_name} "
            f'"{old_metadata["name"]}": the object has been modified; please apply your '
            f"changes to the latest version and try again",
            details={
                "name": old_metadata["name"],
                "group": definition.group,
                "kind": definition.plural,
            },
        )

    if subresource == "status":
        new = copy.deepcopy(old)
        if "status" in candidate:
            new["status"] = copy.deepcopy(candidate["status"])
        else:
            new.pop("status", None)
        return new

    new = copy.deepcopy(candidate)
    metadata = dict(new.get("metadata") or {})
    for field in ("name", "namespace", *_SYSTEM_METADATA):
        if field in old_metadata:
            metadata[field] = old_metadata[field]
        else:
            metadata.pop(field, None)
    metadata["resourceVersion"] = old_metadata["resourceVersion"]
    new["metadata"] = metadata
    new["apiVersion"] = old["apiVersion"]
    new["kind"] = old["kind"]
    if definition.status_subresource:
        if "status" in old:
            new["status"] = copy.deepcopy(old["status"])
        else:
            new.pop("status", None)
    if _content(new) != _content(old):
        metadata["generation"] = int(old_metadata.get("generation", 1)) + 1
    return new


def is_held(body: dict[str, Any]) -> bool:
    """Finalizers hold the object (a namespace also has the namespace controller's)."""
    if (body.get("metadata") or {}).get("finalizers"):
        return True
    return body.get("kind") == "Namespace" and bool((body.get("spec") or {}).get("finalizers"))


def is_releasable(body: dict[str, Any]) -> bool:
    """Marked for deletion and nothing holds it any more: the store removes it."""
    return bool((body.get("metadata") or {}).get("deletionTimestamp")) and not is_held(body)


def mark_deleted(body: dict[str, Any], *, now: datetime.datetime) -> dict[str, Any]:
    """The object as it stays while finalizers hold it (and a namespace terminates)."""
    new = copy.deepcopy(body)
    new["metadata"]["deletionTimestamp"] = timestamp(now)
    new["metadata"]["deletionGracePeriodSeconds"] = 0
    if new.get("kind") == "Namespace":
        new["status"] = {**(new.get("status") or {}), "phase": "Terminating"}
    return new
