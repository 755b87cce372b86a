"""
What resources the emulated cluster serves, and how each one behaves.

kmock keeps its own discovery registry (``KubernetesEmulator.resources``), which
it fills from a bundled K3s dump (``load_bundled()``) and serves on ``/api``,
``/apis`` and ``/apis/<group>/<version>``. The conformance layer needs a little
more per resource than kmock records (the list kind, whether ``status`` is
a subresource, which version stores the objects), so the ``Registry`` here keeps
one ``Definition`` per served group/version/plural and mirrors every
declaration into kmock's registry, so that discovery stays kmock's job.

Custom resources come from ordinary ``apiextensions.k8s.io/v1``
CustomResourceDefinition documents: from YAML files at start-up, or from a CRD
object created through the API at run time (as Helm does with ``crds/``).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import kmock
import yaml
from jsonschema.protocols import Validator

from orchestra_devstack.cluster.schemas import crd_validator

ALL_VERBS = frozenset(
    {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
)

# Kopf looks these up when it runs with peering; K3s has no such resources.
KOPF_PEERINGS: tuple[dict[str, Any], ...] = (
    {"kind": "KopfPeering", "plural": "kopfpeerings", "namespaced": True},
    {"kind": "ClusterKopfPeering", "plural": "clusterkopfpeerings", "namespaced": False},
)


@dataclasses.dataclass(frozen=True)
class Definition:
    """One served resource: ``group/version/plural`` and what the API does with it."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    singular: str = ""
    short_names: tuple[str, ...] = ()
    status_subresource: bool = False
    storage_version: str = ""  # the version objects are stored under; default: this one
    # (name, type, jsonPath, priority) of the CRD's additionalPrinterColumns, for `kubectl get`
    printer_columns: tuple[tuple[str, str, str, int], ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def storage_key(self) -> tuple[str, str, str]:
        """Objects of all served versions of one resource share this key."""
        return (self.group, self.storage_version or self.version, self.plural)

    @property
    def qualified_name(self) -> str:
        """``workshops.orchestra.io`` as used in API error messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


def definitions_from_crd(crd: Mapping[str, Any]) -> list[Definition]:
    """One definition per served version of a CustomResourceDefinition."""
    if crd.get("kind") != "CustomResourceDefinition":
        raise ValueError(f"Not a CustomResourceDefinition: kind={crd.get('kind')!r}")
    spec = crd["spec"]
    names = spec["names"]
    versions = spec.get("versions") or []
    storage = next((v["name"] for v in versions if v.get("storage")), None)
    served = [v for v in versions if v.get("served", True)]
    if not served:
        raise ValueError(f"CRD {crd.get('metadata', {}).get('name')!r} serves no version")
    return [
        Definition(
            group=spec["group"],
            version=version["name"],
            plural=names["plural"],
            kind=names["kind"],
            singular=names.get("singular") or names["kind"].lower(),
            short_names=tuple(names.get("shortNames") or ()),
            namespaced=spec.get("scope", "Namespaced") == "Namespaced",
            status_subresource="status" in (version.get("subresources") or {}),
            storage_version=storage or served[0]["name"],
            printer_columns=tuple(
                (c["name"], c.get("type", "string"), c["jsonPath"], int(c.get("priority", 0)))
                for c in version.get("additionalPrinterColumns") or ()
            ),
        )
        for version in served
    ]


def read_crd_files(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """All CustomResourceDefinition documents from the given YAML files."""
    crds: list[dict[str, Any]] = []
    for path in paths:
        with Path(path).open(encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                    crds.append(doc)
    return crds


class Registry:
    """The served resources, mirrored into kmock's discovery registry."""

    def __init__(self, *, discovery: Any) -> None:
        self._discovery = discovery  # kmock.ResourcesArray
        self._definitions: dict[tuple[str, str, str], Definition] = {}
        self._schemas: dict[tuple[str, str, str], Validator] = {}

    def __iter__(self) -> Iterator[Definition]:
        return iter(list(self._definitions.values()))

    def load_builtins(self) -> None:
        """Take the built-in resources from kmock's bundled discovery dump."""
        with warnings.catch_warnings():  # kmock 0.8 uses a deprecated importlib API
            warnings.simplefilter("ignore", DeprecationWarning)
            self._discovery.load_bundled()
        for resource in list(self._discovery):
            info = self._discovery[resource]
            if resource.plural is None or info.kind is None:
                continue
            self._definitions[(resource.group, resource.version, resource.plural)] = Definition(
                group=resource.group,
                version=resource.version,
                plural=resource.plural,
                kind=info.kind,
                singular=info.singular or info.kind.lower(),
                short_names=tuple(sorted(info.shortnames)),
                namespaced=bool(info.namespaced),
                status_subresource="status" in info.subresources,
            )
        for peering in KOPF_PEERINGS:
            self.declare(Definition(group="kopf.dev", version="v1", **peering))

    def declare(self, definition: Definition) -> None:
        key = (definition.group, definition.version, definition.plural)
        self._definitions[key] = definition
        self._discovery[kmock.resource(*key)] = kmock.ResourceInfo(
            kind=definition.kind,
            singular=definition.singular or definition.kind.lower(),
            namespaced=definition.namespaced,
            verbs=set(ALL_VERBS),
            shortnames=set(definition.short_names),
            subresources={"status"} if definition.status_subresource else set(),
        )

    def declare_crd(self, crd: Mapping[str, Any]) -> list[Definition]:
        definitions = definitions_from_crd(crd)
        versions = {v["name"]: v for v in crd["spec"].get("versions") or []}
        for definition in definitions:
            self.declare(definition)
            openapi = (versions[definition.version].get("schema") or {}).get("openAPIV3Schema")
            key = (definition.group, definition.version, definition.plural)
            if isinstance(openapi, Mapping):
                self._schemas[key] = crd_validator(openapi)
            else:
                self._schemas.pop(key, None)
        return definitions

    def schema_of(self, definition: Definition) -> Validator | None:
        """The compiled ``openAPIV3Schema`` of a custom resource's version, if it has one."""
        return self._schemas.get((definition.group, definition.version, definition.plural))

    def find(self, group: str, version: str, plural: str) -> Definition | None:
        return self._definitions.get((group, version, plural))

    def find_kind(self, api_version: str, kind: str) -> Definition | None:
        for definition in self._definitions.values():
            if definition.api_version == api_version and definition.kind == kind:
                return definition
        return None
