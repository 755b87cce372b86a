"""The waiting room in Chromium, against the whole dev stack (docs/src/content/docs/
decisions/0070): a launch that finds no room waits in line with its number and an
estimate (or says it has none), the learner can leave the line, and a learner in line is
taken to their new session as soon as the session ahead of them ends."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from orchestra_devstack.stacks import Stack
from tests.e2e.dashboard.browsing import assert_accessible, browser_context, screenshot, sign_in
from tests.e2e.dashboard.conftest import ONE_SEAT_TEMPLATE

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

VSCODE = "VS Code (code-server)"  # no capacity at all in this stack
INTRO = "Intro to Bioconductor, Bioc2026"  # room for one session
ADMIT_TIMEOUT = 90_000  # ms: the session ahead ends through operator and sync first
IN_LINE = re.compile(
    r"You are number 1 in line(, about \d+ minutes?\.|; how long it takes is unknown)"
)


def card(page: Page, name: str) -> Any:
    return page.get_by_role("article").filter(has=page.get_by_role("heading", name=name))


def test_a_full_workshop_puts_the_learner_in_line_and_they_can_leave(
    browser: Browser, stack: Stack
) -> None:
    with browser_context(browser, base_url=stack.dashboard_url) as context:
        page = sign_in(context, stack.dashboard_url, "ada.line@example.org")
        full = card(page, VSCODE)
        full.get_by_role("button", name="Launch").click()
        line = full.get_by_role("region", name="Waiting for a free place")
        expect(line).to_contain_text("This workshop is full right now")
        expect(line.get_by_role("status")).to_have_text(IN_LINE)
        assert_accessible(page, "a launch waiting in line")
        screenshot(page, "launch-waiting-in-line")
        # The place is kept across a reload: the page asks where the learner stands.
        page.reload()
        expect(card(page, VSCODE).get_by_role("status")).to_have_text(IN_LINE)
        card(page, VSCODE).get_by_role("button", name="Leave the line").click()
        expect(card(page, VSCODE).get_by_text("You left the line.")).to_be_visible()
        assert page.request.get("/api/v1/waiting-room").json() == []


def test_a_learner_in_line_gets_the_session_when_the_one_ahead_ends(
    browser: Browser, stack: Stack
) -> None:
    with (
        browser_context(browser, base_url=stack.dashboard_url) as first_context,
        browser_context(browser, base_url=stack.dashboard_url) as second_context,
    ):
        first = sign_in(first_context, stack.dashboard_url, "bo.ahead@example.org")
        launched = first.request.post("/api/v1/instances", data={"template": ONE_SEAT_TEMPLATE})
        assert launched.status == 202, launched.text()
        ahead = launched.json()["name"]

        second = sign_in(second_context, stack.dashboard_url, "cy.behind@example.org")
        expect(second.get_by_role("status").filter(has_text="Live")).to_be_visible()
        card(second, INTRO).get_by_role("button", name="Launch").click()
        expect(card(second, INTRO).get_by_role("status")).to_have_text(IN_LINE)
        screenshot(second, "launch-waiting-for-a-session-to-end")

        # The session ahead ends; the cluster removes it; the line moves; the page follows.
        ended = first.request.delete(f"/api/v1/instances/{ahead}")
        assert ended.status == 202, ended.text()
        second.wait_for_url(
            re.compile(r".*/sessions/bioc2026-intro-workshop-[a-z0-9-]+$"), timeout=ADMIT_TIMEOUT
        )
        name = second.url.rsplit("/", 1)[1]
        assert name != ahead
        mine = second.request.get(f"/api/v1/instances/{name}").json()
        assert mine["owner"] == "cy.behind@example.org"
