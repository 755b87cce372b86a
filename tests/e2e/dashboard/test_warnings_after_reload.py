"""Warnings that survive a reload, in Chromium, against the whole dev stack.

The live stream tells a page of an idle warning or a workspace's coming deletion as it
happens; a page loaded later (a reload, a new tab) learns of both from the api's own
views (the instance's ``idle``, ``GET /api/v1/workspaces``) and shows the same alert
with the same button. A stack of its own: a catalog where JupyterLab warns 20 s after
the last activity (and ends ten minutes after it), and a workspace retention short
enough that an ended session's workspace is warned about within seconds
(docs/src/content/docs/decisions/0060, 0062).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from orchestra_devstack.stacks import Stack
from tests.e2e.dashboard.browsing import (
    StackThread,
    assert_accessible,
    browser_context,
    screenshot,
    sign_in,
)
from tests.e2e.stacking import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
JUPYTER = "JupyterLab"
ONTOLOGY = "Bioc2026 ontology workshop with ontoProc2"  # has a persistent workspace
READY_TIMEOUT = 60_000


def catalog() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="orchestra-warnings-catalog-"))
    source = ROOT / "charts" / "orchestra" / "files" / "templates"
    shutil.copytree(source, folder, dirs_exist_ok=True)
    jupyter = folder / "jupyter.yaml"
    jupyter.write_text(jupyter.read_text() + "idle:\n  timeout: 10m\n  warning: 9m40s\n")
    return folder


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    thread = StackThread(
        kubelet_delay=0.5,
        catalog_dir=catalog(),
        service_env={
            "api": {
                # An ended session's workspace: warned 10 s after, deleted 110 s later.
                "ORCHESTRA_RETENTION_WORKSPACES": "120",
                "ORCHESTRA_RETENTION_WORKSPACE_WARNING": "110",
                "ORCHESTRA_RETENTION_REAP_INTERVAL": "0.5",
            }
        },
    )
    with thread as stack:
        yield stack


def launch(page: Page, template: str) -> str:
    page.get_by_role("article", name=template).get_by_role("button", name="Launch").click()
    page.wait_for_url(re.compile(r".*/sessions/[a-z0-9-]+$"))
    expect(page.get_by_role("link", name=re.compile("^Open workshop"))).to_be_visible(
        timeout=READY_TIMEOUT
    )
    return page.url.rsplit("/", 1)[1]


def instance(page: Page, name: str) -> dict[str, Any]:
    response = page.request.get(f"/api/v1/instances/{name}")
    assert response.ok, response.text()
    body: dict[str, Any] = response.json()
    return body


def test_the_idle_warning_is_shown_after_a_reload_and_kept_by_its_button(
    browser: Browser, stack: Stack
) -> None:
    with browser_context(browser, base_url=stack.dashboard_url) as context:
        page = sign_in(context, stack.dashboard_url, "ada.idle@example.org")
        name = launch(page, JUPYTER)
        page.goto("/sessions")
        warning = page.get_by_role("alert").filter(has_text="Still there?")
        expect(warning).to_be_visible(timeout=60_000)
        # A new page has no stream history to replay: the instance view carries it.
        page.reload()
        expect(page.get_by_role("heading", level=1, name="My sessions")).to_be_visible()
        expect(warning).to_be_visible()
        assert instance(page, name)["idle"]["warned"] is True
        assert_accessible(page, "a session with an idle warning")
        screenshot(page, "idle-warning-after-reload")
        warning.get_by_role("button", name="Keep my session").click()
        expect(warning).to_be_hidden()
        assert instance(page, name)["phase"] == "Ready"


def test_a_workspace_about_to_be_deleted_says_so_on_load_and_can_be_kept(
    browser: Browser, stack: Stack
) -> None:
    with browser_context(browser, base_url=stack.dashboard_url) as context:
        page = sign_in(context, stack.dashboard_url, "ada.workspace@example.org")
        name = launch(page, ONTOLOGY)
        ended = page.request.delete(f"/api/v1/instances/{name}")
        assert ended.status == 202, ended.text()
        page.goto("/sessions")
        panel = page.get_by_role("region", name="My workspaces")
        alert = panel.get_by_role("alert")
        expect(alert).to_contain_text("will be deleted", timeout=60_000)
        page.reload()
        expect(alert).to_contain_text("will be deleted")
        assert_accessible(page, "a workspace about to be deleted")
        screenshot(page, "workspace-warning")
        alert.get_by_role("button", name="Keep my workspace").click()
        expect(alert).to_be_hidden()
        [kept] = page.request.get("/api/v1/workspaces").json()
        assert kept["warned"] is False
        # Every period is shown, in words, where the learner looks at what was kept.
        page.goto("/history")
        periods = page.get_by_role("region", name="How long Orchestra keeps things")
        expect(periods).to_contain_text("after a session last used one")
