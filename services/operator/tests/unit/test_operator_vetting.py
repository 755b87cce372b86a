"""What a launch must pass before anything is created, and how an old namespace is judged."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestra_operator import sweeping
from orchestra_operator.assessing import pod_failure
from orchestra_operator.config import OperatorSettings
from orchestra_operator.errors import (
    DeadlineRefused,
    InvalidName,
    NameCollision,
    UnknownTemplate,
    UnknownTier,
)
from orchestra_operator.vetting import (
    admit_extension,
    admit_launch,
    check_same_launch,
    is_dns_name,
    resolve_template,
)
from orchestra_shared import labels
from orchestra_shared.catalogs import Catalog
from orchestra_shared.events import ExtendRequested, LaunchRequested
from orchestra_shared.templates import Template

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
GRACE = timedelta(minutes=10)


def template(slug: str = "jupyter", **overrides: Any) -> Template:
    fields: dict[str, Any] = {
        "name": "JupyterLab",
        "slug": slug,
        "description": "Notebooks.",
        "image": "quay.io/jupyter/base-notebook:2024-10-07",
        "defaultDuration": timedelta(hours=2),
        "maxDuration": timedelta(hours=4),
        "port": 8888,
        "resources": {"cpu": "1", "memory": "2Gi"},
        **overrides,
    }
    return Template.model_validate(fields, strict=False)


def launch(
    instance: str = "jupyter-1122-bcd234",
    *,
    slug: str = "jupyter",
    expires_at: datetime = NOW + timedelta(hours=2),
) -> LaunchRequested:
    return LaunchRequested(
        instance=instance,
        owner="ada@example.org",
        template_slug=slug,
        expires_at=expires_at,
        startup_timeout_seconds=600,
    )


class TestTemplate:
    catalog = Catalog({"jupyter": template(), "retired": template("retired", enabled=False)})

    def test_the_catalog_template_is_the_one_run(self) -> None:
        assert resolve_template(launch(), self.catalog) is self.catalog.templates["jupyter"]

    def test_an_unknown_slug_is_refused_with_what_is_known(self) -> None:
        with pytest.raises(UnknownTemplate, match=r"'miner' is not in .*known: \['jupyter'"):
            resolve_template(launch(slug="miner"), self.catalog)

    def test_a_disabled_template_is_refused(self) -> None:
        with pytest.raises(UnknownTemplate, match="'retired' is disabled"):
            resolve_template(launch(slug="retired"), self.catalog)


class TestAdmission:
    def test_a_good_launch_passes(self, settings: OperatorSettings) -> None:
        admit_launch(launch(), template(), settings, now=NOW)

    @pytest.mark.parametrize(
        "name", ["Upper-case", "under_score", "-dash", "trailing-", "dot.ted", "1-digit-first"]
    )
    def test_a_name_that_is_no_service_name_is_refused(
        self, name: str, settings: OperatorSettings
    ) -> None:
        with pytest.raises(InvalidName, match="RFC 1035"):
            admit_launch(launch(name), template(), settings, now=NOW)

    def test_a_host_that_is_no_dns_name_is_refused(self, make_settings: Any) -> None:
        settings = make_settings(base_domain="bad_domain.example.org")
        with pytest.raises(InvalidName, match="not a valid DNS name"):
            admit_launch(launch(), template(), settings, now=NOW)

    def test_a_tier_without_placement_is_refused(self, make_settings: Any) -> None:
        settings = make_settings(tiers={"small": {}})
        with pytest.raises(UnknownTier, match="'large'"):
            admit_launch(launch(), template(tier="large"), settings, now=NOW)

    def test_a_deadline_beyond_the_templates_maximum_is_refused(
        self, settings: OperatorSettings
    ) -> None:
        admit_launch(launch(expires_at=NOW + timedelta(hours=4)), template(), settings, now=NOW)
        with pytest.raises(DeadlineRefused, match="4h that template 'jupyter' allows"):
            admit_launch(launch(expires_at=NOW + timedelta(days=30)), template(), settings, now=NOW)

    def test_dns_names(self) -> None:
        assert is_dns_name("a-b.workshops.example.org")
        assert not is_dns_name("a..b")
        assert not is_dns_name("a.b.")
        assert not is_dns_name(".".join(["abcdefghi"] * 26))  # 259 characters


class TestExtension:
    def extend(self, to: datetime) -> ExtendRequested:
        return ExtendRequested(
            instance="jupyter-1122-bcd234", owner="ada@example.org", expires_at=to, extension=1
        )

    def test_an_extension_within_the_maximum_passes(self) -> None:
        admit_extension(
            self.extend(NOW + timedelta(hours=4)), template(), slug="jupyter", created_at=NOW
        )

    def test_an_extension_beyond_the_maximum_from_creation_is_refused(self) -> None:
        with pytest.raises(DeadlineRefused, match=r"extension to .* beyond the 4h"):
            admit_extension(
                self.extend(NOW + timedelta(hours=5)), template(), slug="jupyter", created_at=NOW
            )

    def test_a_template_gone_from_the_catalog_is_extended_no_more(self) -> None:
        with pytest.raises(UnknownTemplate, match="'gone' of this workshop"):
            admit_extension(
                self.extend(NOW + timedelta(hours=1)), None, slug="gone", created_at=NOW
            )


class TestCollision:
    def body(self, launched_by: str | None) -> dict[str, Any]:
        annotations = {labels.LAUNCH_EVENT: launched_by} if launched_by else {}
        return {"metadata": {"namespace": "orchestra-u-x", "annotations": annotations}}

    def test_the_same_launch_is_a_redelivery(self) -> None:
        event = launch()
        check_same_launch(event, self.body(str(event.event_id)))

    @pytest.mark.parametrize("launched_by", ["another-launch", None])
    def test_another_launch_or_none_is_a_collision(self, launched_by: str | None) -> None:
        with pytest.raises(NameCollision, match="already exists"):
            check_same_launch(launch(), self.body(launched_by))


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
