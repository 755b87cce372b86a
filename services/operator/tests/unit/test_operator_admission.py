"""What a launch must pass before anything is created, and how an old namespace is judged."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestra_operator import sweeping
from orchestra_operator.admitting import admit_launch, check_same_launch, is_dns_name
from orchestra_operator.assessing import pod_failure
from orchestra_operator.config import OperatorSettings
from orchestra_operator.errors import InvalidName, NameCollision, UnknownTier
from orchestra_shared import labels
from orchestra_shared.events import LaunchRequested
from orchestra_shared.workshops import WorkshopSpec

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
GRACE = timedelta(minutes=10)


def launch(spec: WorkshopSpec, instance: str = "jupyter-1122-bcd234") -> LaunchRequested:
    return LaunchRequested(
        instance=instance,
        owner=spec.owner,
        template_slug=spec.template,
        expires_at=spec.expires_at,
        spec=spec,
    )


class TestAdmission:
    def test_a_good_launch_passes(self, make_spec: Any, settings: OperatorSettings) -> None:
        admit_launch(launch(make_spec()), settings)

    @pytest.mark.parametrize("name", ["Upper-case", "under_score", "-dash", "trailing-", "dot.ted"])
    def test_a_name_that_is_no_dns_label_is_refused(
        self, name: str, make_spec: Any, settings: OperatorSettings
    ) -> None:
        with pytest.raises(InvalidName, match="not a DNS label"):
            admit_launch(launch(make_spec(), name), settings)

    def test_a_host_that_is_no_dns_name_is_refused(
        self, make_spec: Any, make_settings: Any
    ) -> None:
        settings = make_settings(base_domain="bad_domain.example.org")
        with pytest.raises(InvalidName, match="not a valid DNS name"):
            admit_launch(launch(make_spec()), settings)

    def test_a_tier_without_placement_is_refused(
        self, make_spec: Any, settings: OperatorSettings
    ) -> None:
        with pytest.raises(UnknownTier, match="'gpu'"):
            admit_launch(launch(make_spec(tier="gpu")), settings)

    def test_dns_names(self) -> None:
        assert is_dns_name("a-b.workshops.example.org")
        assert not is_dns_name("a..b")
        assert not is_dns_name("a.b.")
        assert not is_dns_name(".".join(["abcdefghi"] * 26))  # 259 characters


class TestCollision:
    def body(self, launched_by: str | None) -> dict[str, Any]:
        annotations = {labels.LAUNCH_EVENT: launched_by} if launched_by else {}
        return {"metadata": {"namespace": "orchestra-u-x", "annotations": annotations}}

    def test_the_same_launch_is_a_redelivery(self, make_spec: Any) -> None:
        event = launch(make_spec())
        check_same_launch(event, self.body(str(event.event_id)))

    @pytest.mark.parametrize("launched_by", ["another-launch", None])
    def test_another_launch_or_none_is_a_collision(
        self, launched_by: str | None, make_spec: Any
    ) -> None:
        with pytest.raises(NameCollision, match="already exists"):
            check_same_launch(launch(make_spec()), self.body(launched_by))


class TestNamespaceVerdict:
    def namespace(self, empty_since: str | None = None, **meta: Any) -> dict[str, Any]:
        annotations = {sweeping.EMPTY_SINCE: empty_since} if empty_since else {}
        return {"metadata": {"name": "ns", "annotations": annotations, **meta}}

    def test_an_occupied_namespace_is_kept(self) -> None:
        assert sweeping.verdict(self.namespace(), occupants=1, now=NOW, grace=GRACE) == "keep"

    def test_an_occupied_namespace_loses_its_mark(self) -> None:
        marked = self.namespace("2026-11-22T08:00:00Z")
        assert sweeping.verdict(marked, occupants=2, now=NOW, grace=GRACE) == "unmark"

    def test_a_newly_empty_namespace_is_marked(self) -> None:
        assert sweeping.verdict(self.namespace(), occupants=0, now=NOW, grace=GRACE) == "mark"

    def test_an_empty_namespace_goes_only_after_the_grace(self) -> None:
        recent = self.namespace("2026-11-22T08:55:00Z")
        old = self.namespace("2026-11-22T08:50:00Z")
        assert sweeping.verdict(recent, occupants=0, now=NOW, grace=GRACE) == "keep"
        assert sweeping.verdict(old, occupants=0, now=NOW, grace=GRACE) == "delete"

    def test_a_namespace_being_deleted_is_left_alone(self) -> None:
        going = self.namespace("2026-11-22T08:00:00Z", deletionTimestamp="2026-11-22T08:59:00Z")
        assert sweeping.verdict(going, occupants=0, now=NOW, grace=GRACE) == "keep"

    def test_only_unowned_claims_are_workspaces(self) -> None:
        workshop = {"metadata": {"namespace": "a"}}
        owned = {"metadata": {"namespace": "b", "ownerReferences": [{"uid": "1"}]}}
        workspace = {"metadata": {"namespace": "c"}}
        counts = sweeping.occupants_by_namespace([workshop], [owned, workspace])
        assert (counts["a"], counts["b"], counts["c"]) == (1, 0, 1)


@pytest.mark.parametrize("reason", ["ImagePullBackOff", "CrashLoopBackOff"])
def test_a_failure_without_a_message_is_said_once(reason: str) -> None:
    pod = {"status": {"containerStatuses": [{"state": {"waiting": {"reason": reason}}}]}}
    failure = pod_failure([pod])
    assert failure is not None
    assert failure.message is not None
    assert ":" not in failure.message
