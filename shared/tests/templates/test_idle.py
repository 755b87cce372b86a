"""A template's idle rule (docs/src/content/docs/decisions/0060): optional, a timeout and a shorter warning."""

from __future__ import annotations

from datetime import timedelta

from orchestra_shared.catalogs import load_template_file

from .conftest import VALID, WriteTemplate, changed
from .test_bad_input import only_problem


def test_without_an_idle_block_a_template_is_never_culled(write_template: WriteTemplate) -> None:
    assert load_template_file(write_template(VALID)).idle is None


def test_the_warning_defaults_to_five_minutes(write_template: WriteTemplate) -> None:
    text = changed("enabled: true", "enabled: true\nidle:\n  timeout: 30m")
    idle = load_template_file(write_template(text)).idle
    assert idle is not None
    assert (idle.timeout, idle.warning) == (timedelta(minutes=30), timedelta(minutes=5))


def test_a_warning_as_long_as_the_timeout_is_refused(write_template: WriteTemplate) -> None:
    text = changed("enabled: true", "enabled: true\nidle:\n  timeout: 10m\n  warning: 10m")
    assert "not shorter than the idle timeout (10m)" in only_problem(write_template(text))
