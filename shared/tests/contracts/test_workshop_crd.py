"""The Workshop CRD in the chart and the shared Workshop model must describe the same object."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from orchestra_shared import workshops
from orchestra_shared.workshops import WorkshopSpec, WorkshopStatus

CRD = Path(__file__).resolve().parents[3] / "charts" / "orchestra" / "crds" / "workshops.yaml"


def crd_schema() -> dict[str, Any]:
    crd = yaml.safe_load(CRD.read_text())
    (version,) = crd["spec"]["versions"]
    schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]
    return schema


def wire_fields(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


def wire_required(model: type[BaseModel]) -> set[str]:
    return {
        field.alias or name for name, field in model.model_fields.items() if field.is_required()
    }


def test_crd_names_match_the_model_constants() -> None:
    crd = yaml.safe_load(CRD.read_text())
    assert crd["spec"]["group"] == workshops.GROUP
    assert crd["spec"]["names"]["kind"] == workshops.KIND
    assert crd["spec"]["names"]["plural"] == workshops.PLURAL
    assert "ws" in crd["spec"]["names"]["shortNames"]
    (version,) = crd["spec"]["versions"]
    assert version["name"] == workshops.VERSION
    assert "status" in version["subresources"]
    columns = {c["name"] for c in version["additionalPrinterColumns"]}
    assert {"Phase", "URL", "Expires", "Age"} <= columns


def test_spec_properties_and_required_fields_match_the_model() -> None:
    spec = crd_schema()["properties"]["spec"]
    assert set(spec["properties"]) == wire_fields(WorkshopSpec)
    assert set(spec["required"]) == wire_required(WorkshopSpec)


def test_status_properties_match_the_model() -> None:
    status = crd_schema()["properties"]["status"]
    # expiresAt is mirrored into status by the operator for `kubectl get` and sync.
    assert set(status["properties"]) == wire_fields(WorkshopStatus) | {"expiresAt"}


def test_owner_is_immutable_through_a_cel_rule_but_a_warm_pool_hands_over_once() -> None:
    owner = crd_schema()["properties"]["spec"]["properties"]["owner"]
    rules = owner["x-kubernetes-validations"]
    assert {
        "rule": "self == oldSelf || oldSelf.startsWith('pool:')",
        "message": "spec.owner is immutable (a warm pool's instance changes hands once)",
    } in rules
