"""The leader Lease as data: when it may be taken, and what taking, renewing, releasing write."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from orchestra_operator import leases
from orchestra_operator.config import OperatorSettings

NOW = datetime(2026, 11, 22, 9, 0, 0, 123456, tzinfo=UTC)


def lease(holder: str | None, *, duration: int = 15, transitions: int = 2) -> dict[str, Any]:
    spec: dict[str, Any] = {"leaseDurationSeconds": duration, "leaseTransitions": transitions}
    if holder is not None:
        spec["holderIdentity"] = holder
    return {"metadata": {"name": "orchestra-operator", "resourceVersion": "41"}, "spec": spec}


def settings(identity: str = "me") -> OperatorSettings:
    return OperatorSettings(identity=identity, lease_duration=15, lease_namespace="orchestra")


class TestIsFree:
    def test_a_lease_nobody_holds_is_free(self) -> None:
        assert leases.is_free(lease(None), identity="me", unchanged_for=0, default_duration=15)

    def test_our_own_lease_is_free_to_us(self) -> None:
        assert leases.is_free(lease("me"), identity="me", unchanged_for=0, default_duration=15)

    def test_another_holders_lease_is_taken_until_unchanged_for_its_duration(self) -> None:
        held = lease("other", duration=15)
        assert not leases.is_free(held, identity="me", unchanged_for=14.9, default_duration=1)
        assert leases.is_free(held, identity="me", unchanged_for=15.0, default_duration=1)


class TestWrites:
    def test_a_new_lease_is_held_by_this_replica(self) -> None:
        body = leases.new_lease(settings(), NOW)
        assert body["metadata"]["namespace"] == "orchestra"
        assert body["spec"]["holderIdentity"] == "me"
        assert body["spec"]["renewTime"] == "2026-11-22T09:00:00.123456Z"

    def test_taking_over_counts_a_transition_and_is_conditional(self) -> None:
        patch = leases.claim(lease("other"), settings(), NOW)
        assert patch["metadata"] == {"resourceVersion": "41"}
        assert patch["spec"]["holderIdentity"] == "me"
        assert patch["spec"]["leaseTransitions"] == 3
        assert "acquireTime" in patch["spec"]

    def test_reclaiming_our_own_lease_is_no_transition(self) -> None:
        patch = leases.claim(lease("me"), settings(), NOW)
        assert "leaseTransitions" not in patch["spec"]
        assert "acquireTime" not in patch["spec"]

    def test_renewal_and_release_are_conditional_on_the_version_we_wrote(self) -> None:
        assert leases.renewal("7", NOW)["metadata"] == {"resourceVersion": "7"}
        released = leases.release("7")
        assert released["spec"]["holderIdentity"] is None
        assert released["metadata"] == {"resourceVersion": "7"}


def test_a_leader_must_give_up_before_its_lease_can_be_taken() -> None:
    with pytest.raises(ValidationError, match="lease_renew_deadline < lease_duration"):
        OperatorSettings(lease_duration=5, lease_renew_deadline=6)
