"""Every retention period reads as the docs and the chart give it: ISO 8601 or seconds,
from the environment, each service reading the same ``ORCHESTRA_RETENTION_*``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from orchestra_shared.settings import RetentionSettings


def test_periods_are_iso_8601_or_seconds_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCHESTRA_RETENTION_HISTORY", "P90D")
    monkeypatch.setenv("ORCHESTRA_RETENTION_WORKSPACES", "120")
    monkeypatch.setenv("ORCHESTRA_RETENTION_WORKSPACE_WARNING", "110.5")
    monkeypatch.setenv("ORCHESTRA_RETENTION_AUDIT", "PT1H")
    settings = RetentionSettings()
    assert settings.history == timedelta(days=90)
    assert settings.workspaces == timedelta(seconds=120)
    assert settings.workspace_warning == timedelta(seconds=110.5)
    assert settings.audit == timedelta(hours=1)


def test_a_warning_not_shorter_than_the_period_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCHESTRA_RETENTION_WORKSPACES", "P7D")
    monkeypatch.setenv("ORCHESTRA_RETENTION_WORKSPACE_WARNING", "P7D")
    with pytest.raises(ValidationError, match="shorter than workspaces"):
        RetentionSettings()


def test_nonsense_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCHESTRA_RETENTION_AUDIT", "a year")
    with pytest.raises(ValidationError):
        RetentionSettings()
