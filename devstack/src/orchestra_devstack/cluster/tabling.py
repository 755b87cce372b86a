"""Server-side printing: answer ``kubectl get`` with a ``meta.k8s.io/v1`` Table.

kubectl asks for ``application/json;as=Table;...`` and shows the columns the
server chose; kmock does not do this, so without it ``kubectl get ws`` showed
only NAME and AGE instead of the CRD's printer columns (Phase, URL, Expires).
Resources without printer columns get Name and Age, like Kubernetes' default.
Only simple dotted JSON paths (``.status.phase``) are evaluated: that is what
our CRDs use.
"""

from __future__ import annotations

from typing import Any

from orchestra_devstack.cluster.definitions import Definition

Body = dict[str, Any]
DEFAULT_COLUMNS = (("Age", "date", ".metadata.creationTimestamp", 0),)


def wants_table(accept: str) -> bool:
    return "as=Table" in accept


def lookup(obj: Any, path: str) -> Any:
    """The value at a dotted path (``.status.phase``), or None when any step is missing."""
    for step in path.strip(".").split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(step)
    return obj


def as_table(definition: Definition, objects: list[Body], resource_version: str) -> Body:
    columns = definition.printer_columns or DEFAULT_COLUMNS
    if definition.printer_columns and not any(c[0] == "Age" for c in columns):
        columns = (*columns, *DEFAULT_COLUMNS)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "description": "", "priority": 0},
            *(
                {"name": name, "type": kind, "format": "", "description": "", "priority": priority}
                for name, kind, _, priority in columns
            ),
        ],
        "rows": [
            {
                "cells": [
                    obj.get("metadata", {}).get("name"),
                    *(lookup(obj, path) for _, _, path, _ in columns),
                ],
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": obj.get("metadata", {}),
                },
            }
            for obj in objects
        ],
    }
