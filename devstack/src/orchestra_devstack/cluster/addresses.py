"""
Where a request points: group, version, resource, namespace, name, subresource.

kmock parses request paths itself, but cannot tell a namespaced collection
from the ``namespaces`` resource: ``/api/v1/namespaces`` fails with 500 and
``/api/v1/namespaces/foo`` is read as a namespace with no resource. This parser
asks the registry which plurals exist, so both readings come out right.
Paths that are not about a resource (discovery, ``/version``) give ``None``.
"""

from __future__ import annotations

import dataclasses
import urllib.parse

from orchestra_devstack.cluster.definitions import Registry


@dataclasses.dataclass(frozen=True)
class Address:
    group: str
    version: str
    plural: str
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None


def parse_address(path: str, registry: Registry) -> Address | None:
    parts = [urllib.parse.unquote(part) for part in path.split("/") if part]
    if len(parts) >= 3 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 4 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None

    namespace: str | None = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        definition = registry.find(group, version, rest[2])
        if definition is not None and definition.namespaced:
            namespace, rest = rest[1], rest[2:]
    plural, *rest = rest
    name = rest[0] if rest else None
    subresource = "/".join(rest[1:]) or None
    return Address(group, version, plural, namespace, name, subresource)
