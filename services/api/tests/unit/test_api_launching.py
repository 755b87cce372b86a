"""Planning a launch: duration rules, the deadline, the name, and the row and event agreeing."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestra_api.planning import LaunchPlan, plan_launch, requested_duration
from orchestra_api.problems import InvalidRequest
from orchestra_shared.catalogs import load_template_file
from orchestra_shared.names import is_service_name
from orchestra_shared.templates import Idle, Template
from orchestra_shared.workshops import WorkshopSpec

CATALOG = Path(__file__).resolve().parents[4] / "charts" / "orchestra" / "files" / "templates"
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
OWNER = "ada@example.org"

TEMPLATE_YAML = """\
name: Short course
slug: {slug}
description: A course with a one-hour default and a two-hour maximum.
image: quay.io/example/course:1.0
defaultDuration: 1h
maxDuration: 2h
port: 8888
resources:
  cpu: "1"
  memory: 2Gi
storage:
  size: 5Gi
"""


def write_template(directory: Path, slug: str = "short-course") -> Template:
    path = directory / f"{slug}.yaml"
    path.write_text(TEMPLATE_YAML.format(slug=slug))
    return load_template_file(path)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return write_template(tmp_path_factory.mktemp("catalog"))


def plan(
    template: Template,
    duration: str | None = None,
    *,
    session: str | None = None,
    key: str | None = None,
) -> LaunchPlan:
    return plan_launch(
        template,
        owner=OWNER,
        duration_text=duration,
        now=NOW,
        session=session,
        suffix="bcd234",
        idempotency_key=key,
    )


class TestRequestedDuration:
    def test_no_duration_means_the_templates_default(self, template: Template) -> None:
        assert requested_duration(template, None) == timedelta(hours=1)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("30m", timedelta(minutes=30)),
            ("1h30m", timedelta(minutes=90)),
            ("2h", timedelta(hours=2)),
        ],
    )
    def test_a_duration_within_the_maximum_is_granted(
        self, template: Template, text: str, expected: timedelta
    ) -> None:
        assert requested_duration(template, text) == expected

    @pytest.mark.parametrize("text", ["2h1s", "3h", "1d"])
    def test_over_the_maximum_is_refused_naming_the_field(
        self, template: Template, text: str
    ) -> None:
        with pytest.raises(InvalidRequest) as caught:
            requested_duration(template, text)
        assert caught.value.extensions == {"field": "duration"}
        assert "maximum of 2h" in caught.value.detail

    @pytest.mark.parametrize("text", ["", "4", "1.5h", "4H", "-1h", "1 h", "soon", "30m1h"])
    def test_malformed_durations_are_refused_naming_the_field(
        self, template: Template, text: str
    ) -> None:
        with pytest.raises(InvalidRequest) as caught:
            requested_duration(template, text)
        assert caught.value.extensions == {"field": "duration"}
        assert caught.value.detail.startswith("duration: ")

    @pytest.mark.parametrize("text", ["0s", "0m", "0h0m"])
    def test_zero_is_refused(self, template: Template, text: str) -> None:
        with pytest.raises(InvalidRequest, match="must be positive") as caught:
            requested_duration(template, text)
        assert caught.value.extensions == {"field": "duration"}

    @given(minutes=st.integers(min_value=1, max_value=120))
    def test_any_positive_duration_up_to_the_maximum_is_granted(
        self, template: Template, minutes: int
    ) -> None:
        assert requested_duration(template, f"{minutes}m") == timedelta(minutes=minutes)

    @given(minutes=st.integers(min_value=121, max_value=10**6))
    def test_any_duration_over_the_maximum_is_refused(
        self, template: Template, minutes: int
    ) -> None:
        with pytest.raises(InvalidRequest):
            requested_duration(template, f"{minutes}m")


class TestPlanLaunch:
    def test_expires_at_is_now_plus_the_duration(self, template: Template) -> None:
        assert plan(template).instance.expires_at == NOW + timedelta(hours=1)
        assert plan(template, "90m").instance.expires_at == NOW + timedelta(minutes=90)
        assert plan(template, "90m").instance.requested_duration_seconds == 5400

    def test_an_invalid_duration_plans_nothing(self, template: Template) -> None:
        with pytest.raises(InvalidRequest):
            plan(template, "5h")

    def test_name_is_a_dns_label_with_slug_date_tag_and_suffix(self, template: Template) -> None:
        name = plan(template).instance.name
        assert is_service_name(name)
        assert name == "short-course-1122-bcd234"

    def test_an_explicit_session_tag_replaces_the_date(self, template: Template) -> None:
        name = plan(template, session="Cohort B").instance.name
        assert is_service_name(name)
        assert name.startswith("short-course-")
        assert "cohort-b" in name
        assert "1122" not in name

    def test_a_long_slug_is_shortened_to_keep_a_dns_label(self, tmp_path: Path) -> None:
        slug = "a-very-long-course-slug-of-forty-chars-x"
        assert len(slug) == 40
        name = plan(write_template(tmp_path, slug), session="spring-cohort-2026").instance.name
        assert is_service_name(name)
        assert name.startswith(slug[:20])
        assert name.endswith("-bcd234")
        assert "spring-cohor" in name

    def test_a_slug_starting_with_a_digit_still_names_a_service(self, tmp_path: Path) -> None:
        name = plan(write_template(tmp_path, "10x-genomics")).instance.name
        assert is_service_name(name)
        assert name == "ws-10x-genomics-1122-bcd234"

    def test_the_event_carries_what_the_row_records(self, template: Template) -> None:
        launch = plan(template, "2h", key="key-1")
        row, event = launch.instance, launch.event
        assert event.instance == row.name
        assert event.owner == row.owner == OWNER
        assert event.template_slug == row.template_slug == "short-course"
        assert row.template_name == "Short course"
        recorded = WorkshopSpec.model_validate(row.resolved_spec)
        assert event.expires_at == row.expires_at == recorded.expires_at
        assert event.startup_timeout_seconds == recorded.startup_timeout_seconds
        assert event.occurred_at == NOW

    def test_the_event_names_the_template_and_never_what_to_run(self, template: Template) -> None:
        sent = plan(template).event.model_dump(mode="json")
        assert set(sent) == {
            "event_id", "version", "occurred_at", "instance", "owner", "type",
            "template_slug", "expires_at", "startup_timeout_seconds",
            "idle_timeout_seconds", "idle_warning_seconds",
        }  # fmt: skip
        assert (sent["idle_timeout_seconds"], sent["idle_warning_seconds"]) == (None, None)

    def test_the_templates_idle_rule_travels_in_seconds(self, template: Template) -> None:
        idle = Idle(timeout=timedelta(minutes=30), warning=timedelta(minutes=5))
        event = plan(template.model_copy(update={"idle": idle})).event
        assert (event.idle_timeout_seconds, event.idle_warning_seconds) == (1800, 300)

    def test_the_row_records_the_spec_resolved_from_the_template(self, template: Template) -> None:
        spec = plan(template).instance.resolved_spec
        assert spec["owner"] == OWNER
        assert spec["image"] == "quay.io/example/course:1.0"
        assert spec["port"] == 8888
        assert spec["storage"]["size"] == "5Gi"
        assert spec["resources"]["limits"]["memory"] == "2Gi"

    def test_the_idempotency_key_is_carried(self, template: Template) -> None:
        assert plan(template, key="retry-abc").instance.idempotency_key == "retry-abc"
        assert plan(template).instance.idempotency_key is None


@pytest.mark.parametrize("path", sorted(CATALOG.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_catalog_template_plans_a_valid_launch(path: Path) -> None:
    template = load_template_file(path)
    launch = plan(template)
    assert is_service_name(launch.instance.name)
    assert launch.instance.name.startswith(template.slug[:40])
    assert launch.instance.expires_at == NOW + template.default_duration
    assert launch.event.template_slug == launch.instance.resolved_spec["template"] == template.slug
