"""Fixtures for template tests: a valid template file to start from, and a way to write one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
CHART_CATALOG = REPO / "charts" / "orchestra" / "files" / "templates"
REFERENCE_TEMPLATES = REPO.parent / "shared" / "reference-templates"

VALID = """\
# yaml-language-server: $schema=./template.schema.json
name: Demo
slug: demo
description: A demo.
image: quay.io/jupyter/base-notebook:2024-10-07
defaultDuration: 4h
port: 8888
tier: small
resources:
  cpu: "2"
  memory: 4Gi
  cpuRequest: "1"
  memoryRequest: 2Gi
enabled: true
"""

WriteTemplate = Callable[..., Path]


def changed(old: str, new: str, text: str = VALID) -> str:
    """The valid template with ``old`` replaced by ``new`` (which must be there)."""
    assert old in text, f"{old!r} is not in the template"
    return text.replace(old, new)


@pytest.fixture
def write_template(tmp_path: Path) -> WriteTemplate:
    """Write ``text`` (by default the valid template) as ``<stem>.yaml`` in a fresh folder."""

    def write(text: str = VALID, stem: str = "demo") -> Path:
        path = tmp_path / f"{stem}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write
