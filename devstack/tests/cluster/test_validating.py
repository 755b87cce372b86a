"""The emulated cluster refuses what a real API server refuses: names per kind, labels, and
fields against the kind's schema (Kubernetes' own, or the CRD's), with 422 Invalid."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from orchestra_devstack.cluster import schemas

if TYPE_CHECKING:
    from devstack.tests.cluster.conftest import Api

CHART_CRD = Path(__file__).resolve().parents[3] / "charts" / "orchestra" / "crds" / "workshops.yaml"
SERVICES = "/api/v1/namespaces/default/services"
CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
NAMESPACES = "/api/v1/namespaces"
WORKSHOPS = "/apis/orchestra.io/v1/namespaces/default/workshops"


@pytest.fixture
def cluster_options() -> dict[str, Any]:
    return {"crd_paths": [CHART_CRD], "kubelet": False}


def service(name: str, **metadata: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name, **metadata},
        "spec": {"selector": {"app": "a"}, "ports": [{"port": 80, "targetPort": 8888}]},
    }


def workshop(name: str = "jupyter-1122-bcd234", **spec: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "owner": "ada@example.org",
        "template": "jupyter",
        "templateName": "JupyterLab",
        "image": "registry.test/jupyter:1",
        "port": 8888,
        "expiresAt": "2026-11-22T13:30:00Z",
    }
    fields.update(spec)
    return {
        "apiVersion": "orchestra.io/v1",
        "kind": "Workshop",
        "metadata": {"name": name},
        "spec": fields,
    }


def causes(error: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, reason) of each cause of a 422 Status, checking it is one."""
    assert error["kind"] == "Status"
    assert error["status"] == "Failure"
    assert (error["code"], error["reason"]) == (422, "Invalid")
    assert " is invalid: " in error["message"]
    return [(cause["field"], cause["reason"]) for cause in error["details"]["causes"]]


class TestNames:
    async def test_a_service_name_must_start_with_a_letter(self, api: Api) -> None:
        status, error = await api.post(SERVICES, service("1122-jupyter"))
        assert status == 422
        assert causes(error) == [("metadata.name", "FieldValueInvalid")]
        assert error["message"].startswith('Service "1122-jupyter" is invalid: metadata.name: ')
        assert "DNS-1035 label" in error["message"]
        assert error["details"]["kind"] == "Service"

    async def test_other_kinds_take_a_digit_first_and_dots(self, api: Api) -> None:
        await api.create(CONFIGMAPS, {"metadata": {"name": "1122.jupyter"}})
        deployment = api.deployment("1122-jupyter")
        await api.create(api.DEPLOYMENTS, deployment)

    @pytest.mark.parametrize("name", ["Upper", "under_score", "trailing-", "a" * 254, "a..b"])
    async def test_most_kinds_need_an_rfc_1123_subdomain(self, api: Api, name: str) -> None:
        status, error = await api.post(CONFIGMAPS, {"metadata": {"name": name}})
        assert status == 422
        assert causes(error) == [("metadata.name", "FieldValueInvalid")]

    async def test_a_namespace_name_is_one_label(self, api: Api) -> None:
        status, error = await api.post(NAMESPACES, {"metadata": {"name": "learner.one"}})
        assert status == 422
        assert "RFC 1123 label" in error["message"]
        assert (await api.get(f"{NAMESPACES}/learner.one"))[0] == 404

    async def test_a_long_service_name_is_refused(self, api: Api) -> None:
        status, error = await api.post(SERVICES, service("a" * 64))
        assert status == 422
        assert "no more than 63 characters" in error["message"]


class TestLabels:
    @pytest.mark.parametrize(
        "labels",
        [
            {"orchestra.io/template": "has space"},
            {"orchestra.io/template": "x" * 64},
            {"orchestra.io/template": "-leading"},
            {"Bad_Prefix/name": "v"},
            {"orchestra.io/": "v"},
            {"a/b/c": "v"},
        ],
        ids=["space", "long", "leading-dash", "prefix", "empty-name", "two-slashes"],
    )
    async def test_bad_label_keys_and_values_are_refused(
        self, api: Api, labels: dict[str, str]
    ) -> None:
        status, error = await api.post(CONFIGMAPS, {"metadata": {"name": "c", "labels": labels}})
        assert status == 422
        assert {field for field, _ in causes(error)} == {"metadata.labels"}

    async def test_good_labels_and_an_empty_value_pass(self, api: Api) -> None:
        labels = {
            "app.kubernetes.io/managed-by": "orchestra",
            "orchestra.io/owner-hash": "",
            "x": "A_1.b",
        }
        created = await api.create(CONFIGMAPS, {"metadata": {"name": "c", "labels": labels}})
        assert created["metadata"]["labels"] == labels

    async def test_a_patch_cannot_bring_a_bad_label_and_changes_nothing(self, api: Api) -> None:
        created = await api.create(CONFIGMAPS, {"metadata": {"name": "c"}})
        status, error = await api.patch(
            f"{CONFIGMAPS}/c", {"metadata": {"labels": {"bad": "no spaces allowed"}}}
        )
        assert status == 422
        assert causes(error) == [("metadata.labels", "FieldValueInvalid")]
        _, now = await api.get(f"{CONFIGMAPS}/c")
        assert now["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]

    async def test_annotation_keys_are_checked_too(self, api: Api) -> None:
        body = {"metadata": {"name": "c", "annotations": {"not a key": "v"}}}
        status, error = await api.post(CONFIGMAPS, body)
        assert status == 422
        assert causes(error) == [("metadata.annotations", "FieldValueInvalid")]

    async def test_all_annotations_together_stay_under_256_kib(self, api: Api) -> None:
        body = {"metadata": {"name": "c", "annotations": {"big": "x" * (256 * 1024)}}}
        status, error = await api.post(CONFIGMAPS, body)
        assert status == 422
        assert causes(error) == [("metadata.annotations", "FieldValueTooLong")]


class TestBuiltinFields:
    async def test_an_unknown_field_is_refused(self, api: Api) -> None:
        body = api.deployment("d")
        body["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = "Always"
        status, error = await api.post(api.DEPLOYMENTS, body)
        assert status == 422
        field = "spec.template.spec.containers[0].imagePullPolcy"
        assert causes(error) == [(field, "FieldValueInvalid")]
        assert f'unknown field "{field}"' in error["message"]

    async def test_a_wrong_type_and_a_missing_field_are_each_said(self, api: Api) -> None:
        body = api.deployment("d")
        body["spec"]["replicas"] = "two"
        del body["spec"]["template"]["spec"]["containers"][0]["name"]
        status, error = await api.post(api.DEPLOYMENTS, body)
        assert status == 422
        assert sorted(causes(error)) == [
            ("spec.replicas", "FieldValueInvalid"),
            ("spec.template.spec.containers[0].name", "FieldValueRequired"),
        ]
        assert error["message"].startswith('Deployment "d" is invalid: [')

    async def test_a_patch_is_judged_on_the_object_it_makes(self, api: Api) -> None:
        await api.create(SERVICES, service("s"))
        status, error = await api.patch(f"{SERVICES}/s", {"spec": {"ports": [{"port": "eighty"}]}})
        assert status == 422
        assert causes(error) == [("spec.ports[0].port", "FieldValueInvalid")]

    async def test_an_update_is_checked_in_every_section_it_changes(self, api: Api) -> None:
        """Sections an update leaves as they were are not checked again (they were when
        written); what it changes is, in the main resource and in the status."""
        await api.create(api.DEPLOYMENTS, api.deployment("d"))
        status, error = await api.patch(
            f"{api.DEPLOYMENTS}/d/status", {"status": {"replicas": "one"}}
        )
        assert status == 422
        assert causes(error) == [("status.replicas", "FieldValueInvalid")]
        status, _ = await api.patch(f"{api.DEPLOYMENTS}/d/status", {"status": {"replicas": 1}})
        assert status == 200
        status, error = await api.patch(
            f"{api.DEPLOYMENTS}/d", {"metadata": {"labels": {"a": "b"}}, "spec": {"paused": 1}}
        )
        assert status == 422
        assert causes(error) == [("spec.paused", "FieldValueInvalid")]

    async def test_a_valid_object_with_nulls_passes(self, api: Api) -> None:
        body = service("s")
        body["spec"]["clusterIP"] = None
        await api.create(SERVICES, body)


class TestWorkshopsAgainstTheirCrd:
    async def test_a_valid_workshop_passes(self, api: Api) -> None:
        await api.create(WORKSHOPS, workshop(env={"A": "1"}, args=["--x"], tier="small"))

    async def test_a_missing_image_is_required(self, api: Api) -> None:
        body = workshop()
        del body["spec"]["image"]
        status, error = await api.post(WORKSHOPS, body)
        assert status == 422
        assert causes(error) == [("spec.image", "FieldValueRequired")]
        assert error["details"]["group"] == "orchestra.io"

    @pytest.mark.parametrize(
        ("spec", "cause"),
        [
            ({"port": 70000}, ("spec.port", "FieldValueInvalid")),
            ({"port": "8888"}, ("spec.port", "FieldValueInvalid")),
            (
                {"storage": {"size": "1Gi", "persist": "forever"}},
                ("spec.storage.persist", "FieldValueNotSupported"),
            ),
            ({"expiresAt": "tomorrow"}, ("spec.expiresAt", "FieldValueInvalid")),
            ({"env": {"A": 1}}, ("spec.env.A", "FieldValueInvalid")),
            ({"imagePullSecret": "x"}, ("spec.imagePullSecret", "FieldValueInvalid")),
        ],
        ids=["port-range", "port-type", "enum", "date-time", "env-type", "unknown-field"],
    )
    async def test_a_spec_the_crd_does_not_allow_is_refused(
        self, api: Api, spec: dict[str, Any], cause: tuple[str, str]
    ) -> None:
        status, error = await api.post(WORKSHOPS, workshop(**spec))
        assert status == 422
        assert causes(error) == [cause]

    async def test_the_status_subresource_is_checked_and_nullable_fields_take_null(
        self, api: Api
    ) -> None:
        await api.create(WORKSHOPS, workshop("w"))
        path = f"{WORKSHOPS}/w/status"
        status, _ = await api.patch(path, {"status": {"phase": "Ready", "reason": None}})
        assert status == 200
        status, error = await api.patch(path, {"status": {"phase": "Sleeping"}})
        assert status == 422
        assert causes(error) == [("status.phase", "FieldValueNotSupported")]
        _, stored = await api.get(f"{WORKSHOPS}/w")
        assert stored["status"]["phase"] == "Ready"


class TestOff:
    @pytest.fixture
    def cluster_options(self) -> dict[str, Any]:
        return {"crd_paths": [CHART_CRD], "kubelet": False, "validation": False}

    async def test_validation_can_be_turned_off(self, api: Api) -> None:
        await api.create(SERVICES, service("1122-jupyter"))


class TestQuickLook:
    """The compiled twin passes what the schema passes and flags what it refuses, so the
    slow walk (and its causes) runs only for objects that are wrong."""

    def deployment(self, **container: Any) -> dict[str, Any]:
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "d", "creationTimestamp": "2026-11-22T13:30:00Z"},
            "spec": {
                "selector": {"matchLabels": {"app": "a"}},
                "template": {
                    "metadata": {"labels": {"app": "a"}},
                    "spec": {"containers": [{"name": "c", "image": "i:1", **container}]},
                },
            },
        }

    def test_a_valid_object_passes_without_the_walk(self) -> None:
        validator = schemas.builtin_validator("apps/v1", "Deployment")
        assert validator is not None
        assert schemas.quickly_valid(validator, self.deployment())

    @pytest.mark.parametrize(
        "change",
        [
            {"bogus": 1},  # unknown field
            {"ports": [{"containerPort": "eighty"}]},  # wrong type
            {"ports": [{}]},  # a required field missing
        ],
    )
    def test_a_wrong_object_is_flagged_for_the_walk(self, change: dict[str, Any]) -> None:
        validator = schemas.builtin_validator("apps/v1", "Deployment")
        assert validator is not None
        assert list(validator.iter_errors(self.deployment(**change)))
        assert not schemas.quickly_valid(validator, self.deployment(**change))

    def test_a_date_time_without_a_time_is_flagged_as_kubernetes_does(self) -> None:
        validator = schemas.builtin_validator("apps/v1", "Deployment")
        assert validator is not None
        body = self.deployment()
        body["metadata"]["creationTimestamp"] = "2026-11-22"
        assert list(validator.iter_errors(body))
        assert not schemas.quickly_valid(validator, body)

    def test_a_crd_schema_has_a_twin_too(self) -> None:
        crd = yaml.safe_load(CHART_CRD.read_text())
        openapi = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
        validator = schemas.crd_validator(openapi)
        assert schemas.quickly_valid(validator, workshop())
        assert not schemas.quickly_valid(validator, workshop(port="eighty"))
