"""Each service's Kubernetes rights are the chart's, and the chart grants nothing unused.

The whole stack runs with the emulated cluster enforcing the RBAC that ``helm template``
renders from ``charts/orchestra`` (``orchestra_devstack.rendering``): the operator and sync
each talk to it with their own ServiceAccount's token, so a request the chart does not
grant answers 403, as on a real cluster. One journey runs through it (``journey``: three
launches, drift of everything the operator made, a failure, the ends, the sweep of the
learner's empty namespace); then:

- nothing was refused, and the api, expiry, gate and dashboard have no rights at all;
- every right the chart grants was used, except those ``UNEXERCISED`` explains (a path
  the journey does not always take);
- a rule taken away (the operator's ``patch workshops/status``) is a refusal, recorded.

The listing of what each service used is printed (``pytest -rP``) and is in every failure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
import yaml

from orchestra_devstack.cluster.authorizing import Policy
from orchestra_devstack.cluster.enforcing import ADMIN
from orchestra_devstack.rendering import RELEASE, render_rbac
from orchestra_devstack.stacks import Stack
from orchestra_shared import labels
from orchestra_shared.owners import learner_namespace
from tests.e2e.stacking import ROOT, as_learner, instance, running_stack, wait_for
from tests.permissions.kubernetes import (
    Admin,
    Right,
    account,
    eventually,
    listing,
    rights,
    unused,
    used_by,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(180),
    pytest.mark.asyncio(loop_scope="module"),
]
ADA = "ada@example.org"
GRACE = "grace@example.org"
WITHOUT_RIGHTS = ("api", "expiry", "gate", "dashboard")
FAILING_TEMPLATE = "bioc2026-intro-workshop"  # no persistent workspace: the sweep may go
FAILING = {"ghcr.io/fhdsl/bioc2026intro*": "ErrImagePull"}

_REREAD = (
    "ensure() reads a child only when it holds neither a watch event nor a memory of it: "
    "in the first full check after a restart or a change of leader, and when a create "
    "conflicts (409: a redelivered launch). The journey's operator runs once, and its "
    "watches usually report every child before a full check would read it."
)
UNEXERCISED: dict[Right, str] = {
    Right("operator", "get", "", "persistentvolumeclaims"): _REREAD,
    Right("operator", "get", "networking.k8s.io", "ingresses"): _REREAD,
    Right("operator", "delete", "", "persistentvolumeclaims"): (
        "reclaiming deletes a learner's persistent workspace when the api's retention rule "
        "asks, days after its last use (services/operator/tests/integration/test_reclaiming.py); "
        "the journey's templates have no persistent workspace, and it lasts seconds."
    ),
}
"""Rights granted for a path the journey may not take, each with that path."""


@dataclass
class Journey:
    stack: Stack
    admin: Admin
    policy: Policy
    usage: dict[str, Any]

    def report(self) -> str:
        return "\n".join(listing(self.usage, service) for service in ("operator", "sync"))


TAMPERED = ("deployments", "services", "persistentvolumeclaims", "networkpolicies",
            "ingresses", "resourcequotas", "limitranges")  # fmt: skip
"""What the journey changes behind the operator's back, for it to repair."""
PATHS = {
    "deployments": "/apis/apps/v1/namespaces/{namespace}/deployments",
    "networkpolicies": "/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies",
    "ingresses": "/apis/networking.k8s.io/v1/namespaces/{namespace}/ingresses",
}


def collection(kind: str, namespace: str) -> str:
    return PATHS.get(kind, "/api/v1/namespaces/{namespace}/" + kind).format(namespace=namespace)


async def launch(client: httpx.AsyncClient, template: str, phase: str) -> str:
    launched = await client.post(
        "/api/v1/instances", json={"template": template}, headers=as_learner(ADA)
    )
    assert launched.status_code == 202, launched.text
    name: str = launched.json()["name"]
    await wait_for(
        lambda: instance(client, name, ADA),
        until=lambda body: body["phase"] == phase,
        timeout=60,
        what=f"{name} to be {phase}",
    )
    return name


async def tamper(admin: Admin, namespace: str) -> list[tuple[str, str]]:
    """Overwrite a label the operator owns on every object it made there; which ones."""
    changed: list[tuple[str, str]] = []
    for kind in TAMPERED:
        status, listed = await admin.call("GET", collection(kind, namespace))
        assert status == 200, listed
        for item in listed["items"]:
            name = item["metadata"]["name"]
            patch = {"metadata": {"labels": {labels.OWNER_HASH: "tampered"}}}
            status, body = await admin.call("PATCH", f"{collection(kind, namespace)}/{name}", patch)
            assert status == 200, body
            changed.append((kind, name))
    return changed


async def still_tampered(admin: Admin, namespace: str, objects: list[tuple[str, str]]) -> list[str]:
    left = []
    for kind, name in objects:
        status, body = await admin.call("GET", f"{collection(kind, namespace)}/{name}")
        if status == 200 and body["metadata"]["labels"].get(labels.OWNER_HASH) == "tampered":
            left.append(f"{kind}/{name}")
    return left


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def journey() -> AsyncIterator[Journey]:
    """Three launches of one learner, drift, a failure, their ends, the namespace's sweep.

    The first launch creates the learner's namespace and everything in it; a label the
    operator owns is then overwritten on each of those objects; the second launch finds
    the namespace there (reads and repairs its guard rails; a template of another
    security profile relabels it), and the watch-driven reconcile repairs the first's
    children; the third fails (its image cannot be pulled: its Deployment is deleted,
    then the Workshop); the learner ends the other two; the resync sweeps the namespace.
    """
    fast = {
        "ORCHESTRA_OPERATOR_NAMESPACE_GRACE": "1",
        "ORCHESTRA_OPERATOR_STEADY_INTERVAL": "1",  # a full resync (and sweep) every second
        "ORCHESTRA_OPERATOR_FAILED_RETENTION": "1",
        # An Ingress (and an ExternalName Service to the gate) per Workshop: the mode that
        # needs the most rights; the shared gateway needs a subset of them.
        "ORCHESTRA_OPERATOR_WORKSHOP_INGRESS": "per-host",
    }
    async with (
        running_stack(service_env={"operator": fast}, failing_images=FAILING) as stack,
        httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client,
    ):
        admin = Admin(stack.kubeconfig)
        namespace = learner_namespace(ADA)
        first = await launch(client, "jupyter", "Ready")
        tampered = await tamper(admin, namespace)
        assert {kind for kind, _ in tampered} == set(TAMPERED)
        second = await launch(client, "rstudio", "Ready")
        await eventually(
            lambda: still_tampered(admin, namespace, tampered), until=lambda left: not left
        )
        await launch(client, FAILING_TEMPLATE, "Failed")
        for name in (first, second):
            ended = await client.delete(f"/api/v1/instances/{name}", headers=as_learner(ADA))
            assert ended.status_code == 202, ended.text
        await eventually(
            lambda: admin.call("GET", f"/api/v1/namespaces/{namespace}"),
            until=lambda answer: answer[0] == 404,
        )
        yield Journey(stack, admin, Policy.of(_rendered()), await admin.usage())


def _rendered() -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(render_rbac(ROOT)) if isinstance(d, dict)]


async def test_the_journey_needed_no_right_the_chart_does_not_grant(journey: Journey) -> None:
    print(journey.report())
    assert journey.usage["refused"] == [], journey.report()
    assert used_by(journey.usage, "operator"), "the operator never used its account"
    assert used_by(journey.usage, "sync"), "sync never used its account"


async def test_the_chart_grants_no_right_that_was_not_used(journey: Journey) -> None:
    granted = rights(journey.policy, "operator") | rights(journey.policy, "sync")
    uses = used_by(journey.usage, "operator") + used_by(journey.usage, "sync")
    idle = unused(granted, uses)
    unexplained = sorted(idle - set(UNEXERCISED))
    assert not unexplained, (
        "granted but never used:\n" + "\n".join(map(str, unexplained)) + "\n" + journey.report()
    )
    # An explanation for a right the chart no longer grants is stale. (One the journey
    # happened to use stays: whether it does depends on which of two reads came first.)
    stale = sorted(set(UNEXERCISED) - granted)
    assert not stale, "UNEXERCISED explains rights not granted:\n" + "\n".join(map(str, stale))


async def test_services_without_kubernetes_rights_have_none_and_no_credentials(
    journey: Journey,
) -> None:
    accounts = {d["metadata"]["name"]: d for d in _rendered() if d["kind"] == "ServiceAccount"}
    for service in WITHOUT_RIGHTS:
        assert list(journey.policy.grants(account(service))) == [], service
        assert accounts[f"{RELEASE}-{service}"]["automountServiceAccountToken"] is False
        assert not used_by(journey.usage, service)
    for service in ("api", "expiry", "gate"):
        settings = journey.stack.service(service).env
        assert not any(key.endswith("_KUBECONFIG") and service.upper() in key for key in settings)
    for service in ("operator", "sync"):
        kubeconfig = journey.stack.service(service).env[f"ORCHESTRA_{service.upper()}_KUBECONFIG"]
        assert kubeconfig == str(journey.stack.service_kubeconfigs[service])
        assert accounts[f"{RELEASE}-{service}"]["automountServiceAccountToken"] is True
    # Nobody but the two accounts and the test's administrator sent a request.
    users = {use["user"] for use in journey.usage["used"]}
    assert users <= {account("operator").name, account("sync").name, ADMIN.name}


async def test_a_rule_taken_away_is_a_refusal_the_record_shows(journey: Journey) -> None:
    """The operator without ``patch workshops/status``: the launch cannot report a phase."""
    role = f"/apis/rbac.authorization.k8s.io/v1/clusterroles/{RELEASE}-operator"
    status, body = await journey.admin.call("GET", role)
    assert status == 200, body
    rules = body["rules"]
    kept = [rule for rule in rules if rule["resources"] != ["workshops/status"]]
    assert len(kept) == len(rules) - 1
    status, body = await journey.admin.call("PATCH", role, {"rules": kept})
    assert status == 200, body
    try:
        async with httpx.AsyncClient(base_url=journey.stack.api_url, timeout=30) as client:
            launched = await client.post(
                "/api/v1/instances", json={"template": "jupyter"}, headers=as_learner(GRACE)
            )
            assert launched.status_code == 202, launched.text
            name = launched.json()["name"]
            usage = await eventually(
                journey.admin.usage,
                until=lambda usage: any(_is_status_patch(r) for r in usage["refused"]),
            )
            refusal = next(r for r in usage["refused"] if _is_status_patch(r))
            assert refusal["message"] == (
                f'workshops.orchestra.io "{name}" is forbidden: User "{account("operator").name}"'
                ' cannot patch resource "workshops/status" in API group "orchestra.io" in the '
                f'namespace "{learner_namespace(GRACE)}"'
            )
            assert (await instance(client, name, GRACE))["phase"] != "Ready"
    finally:
        status, body = await journey.admin.call("PATCH", role, {"rules": rules})
        assert status == 200, body


def _is_status_patch(refusal: dict[str, Any]) -> bool:
    return (refusal["user"], refusal["verb"], refusal["resource"], refusal["subresource"]) == (
        account("operator").name,
        "patch",
        "workshops",
        "status",
    )
