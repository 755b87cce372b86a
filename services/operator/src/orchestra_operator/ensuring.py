"""Making one object what we want it to be: create it if missing, restore what drifted.

Used by the reconcile (a Workshop's children) and the launch (the learner's namespace and
its guard rails). Three entry points, by what the caller already knows, so that no object
is read when the caller knows enough already (docs/src/content/docs/benchmarks/burst.md counts requests):

- ``ensure``: nothing known; read it, then create or repair it;
- ``repair``: the caller holds its current state (a watch event's body, a read);
- ``create_or_ensure``: the object is most likely new (a fresh Workshop, a new namespace);
  create it, and only when it turns out to exist read and repair it.

``drifted`` is the pure comparison all three share.
"""

from __future__ import annotations

from typing import Any, Literal

from orchestra_operator.cluster import KIND_BY_NAME, ApiError, Cluster

Body = dict[str, Any]
Action = Literal["kept", "created", "repaired"]


def drifted(desired: Body, actual: Body) -> Body | None:
    """The merge patch that restores what we own of ``actual``, or None when nothing drifted.

    Only the fields we set are compared: spec and our labels. Fields the API
    server or other controllers add (status, defaults) are left alone.
    """
    patch: Body = {}
    if "spec" in desired and not _contains(actual.get("spec") or {}, desired["spec"]):
        patch["spec"] = desired["spec"]
    wanted_labels = desired.get("metadata", {}).get("labels") or {}
    have_labels = actual.get("metadata", {}).get("labels") or {}
    if any(have_labels.get(k) != v for k, v in wanted_labels.items()):
        patch["metadata"] = {"labels": wanted_labels}
    return patch or None


def _contains(actual: Any, desired: Any) -> bool:
    if actual is None and desired in ([], {}):
        return True  # the API server omits empty lists and maps (omitempty): not drift
    if isinstance(desired, dict):
        return isinstance(actual, dict) and all(
            _contains(actual.get(key), value) for key, value in desired.items()
        )
    if isinstance(desired, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(desired)
            and all(_contains(a, d) for a, d in zip(actual, desired, strict=True))
        )
    return bool(actual == desired)


async def repair(cluster: Cluster, desired: Body, actual: Body) -> tuple[Body, Action]:
    """Restore what drifted of an object whose current state the caller holds."""
    patch = drifted(desired, actual)
    if patch is None:
        return actual, "kept"
    metadata = desired["metadata"]
    kind = KIND_BY_NAME[desired["kind"]]
    patched = await cluster.patch(kind, metadata["name"], patch, metadata.get("namespace"))
    return patched, "repaired"


async def ensure(cluster: Cluster, desired: Body) -> tuple[Body, Action]:
    """Create or repair one object; returns it and what was done (kept/created/repaired)."""
    kind = KIND_BY_NAME[desired["kind"]]
    metadata = desired["metadata"]
    actual = await cluster.get(kind, metadata["name"], metadata.get("namespace"))
    if actual is None:
        return await create_or_ensure(cluster, desired, retry=False)
    return await repair(cluster, desired, actual)


async def create_or_ensure(
    cluster: Cluster, desired: Body, *, retry: bool = True
) -> tuple[Body, Action]:
    """Create an object expected to be new; if it exists after all (409), read and repair it."""
    kind = KIND_BY_NAME[desired["kind"]]
    metadata = desired["metadata"]
    try:
        return await cluster.create(kind, desired), "created"
    except ApiError as error:
        if error.status != 409:
            raise
        actual = await cluster.get(kind, metadata["name"], metadata.get("namespace"))
        if actual is None:
            if retry:  # deleted in between: once more from the start
                return await ensure(cluster, desired)
            raise
    return await repair(cluster, desired, actual)
