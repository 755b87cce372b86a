"""One dev stack and one Chromium for all the dashboard's browser tests."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from orchestra_devstack.stacks import Stack
from tests.e2e.dashboard.browsing import CHROMIUM_FLAGS, StackThread, chromium_path
from tests.e2e.stacking import ROOT

# Images the fake kubelet cannot pull (one template's launches fail), a template with no
# capacity at all (its launches wait in line for good), and one with room for one session
# (the next learner waits until it ends: test_waiting_room).
FAILING = {"vjcitn/op2ws*": "ErrImagePull"}
FULL_TEMPLATE = "vscode"
ONE_SEAT_TEMPLATE = "bioc2026-intro-workshop"


@pytest.fixture(scope="package")
def stack_thread() -> Iterator[StackThread]:
    if not (ROOT / "frontend" / "dist" / "index.html").exists():
        raise AssertionError("the dashboard is not built: `make dashboard` builds it")
    thread = StackThread(
        kubelet_delay=1.5,
        failing_images=FAILING,
        service_env={
            "api": {
                "ORCHESTRA_API_CAPACITY_PER_TEMPLATE": json.dumps(
                    {FULL_TEMPLATE: 0, ONE_SEAT_TEMPLATE: 1}
                ),
                "ORCHESTRA_API_CAPACITY_RETRY_AFTER": "45",
            }
        },
    )
    with thread:
        yield thread


@pytest.fixture(scope="package")
def stack(stack_thread: StackThread) -> Stack:
    assert stack_thread.stack is not None
    return stack_thread.stack


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
    try:
        yield chromium
    finally:
        chromium.close()
