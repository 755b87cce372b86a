"""The admin console in Chromium: every session live, terminating another learner's, the
statistics and the read-only catalog; and a learner kept out of all of it, by the api as
well as by the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from orchestra_devstack.stacks import Stack
from tests.e2e.dashboard.browsing import (
    assert_accessible,
    browser_context,
    screenshot,
    sign_in,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

LEARNER = "bob.admined@example.org"
READY_TIMEOUT = 60_000


def test_an_admin_sees_every_session_and_terminates_another_learners(
    browser: Browser, stack: Stack
) -> None:
    with browser_context(browser, base_url=stack.dashboard_url) as learner_context:
        learner = sign_in(learner_context, stack.dashboard_url, LEARNER)
        learner.get_by_role("article", name="JupyterLab").get_by_role(
            "button", name="Launch"
        ).click()
        learner.wait_for_url(re.compile(r".*/sessions/[a-z0-9-]+$"))
        name = learner.url.rsplit("/", 1)[1]

        with browser_context(browser, base_url=stack.dashboard_url) as admin_context:
            admin = sign_in(admin_context, stack.dashboard_url, "root@example.org", admin=True)
            admin.get_by_role("link", name="Admin").click()
            admin.get_by_role("heading", level=1, name="All sessions").wait_for()
            admin.get_by_label("User").fill(LEARNER)
            row = admin.get_by_role("row").filter(has_text=name)
            expect(row).to_be_visible()
            expect(row).to_contain_text("Ready", timeout=READY_TIMEOUT)  # live, not reloaded
            assert_accessible(admin, "the admin's sessions")
            screenshot(admin, "admin-sessions")

            row.get_by_role("button", name=re.compile("^Terminate")).click()
            dialog = admin.get_by_role("alertdialog", name=f"Terminate {name}?")
            dialog.get_by_role("button", name="Terminate").click()
            expect(row).to_contain_text(re.compile("Terminat"), timeout=READY_TIMEOUT)

            admin.get_by_role("link", name="Statistics").click()
            stats = admin.get_by_role("row").filter(has_text="jupyter")
            expect(stats).to_be_visible()
            assert_accessible(admin, "the statistics")
            screenshot(admin, "admin-statistics")

            admin.get_by_role("navigation", name="Admin").get_by_role(
                "link", name="Catalog"
            ).click()
            admin.get_by_role("heading", level=1, name=re.compile("read-only")).wait_for()
            expect(admin.get_by_text("rstudio.yaml")).to_be_visible()
            expect(admin.locator("pre").first).to_contain_text("slug:")
            assert_accessible(admin, "the admin's catalog")
            screenshot(admin, "admin-catalog")

        # The learner's own page follows: the session ended by an administrator.
        learner.goto("/history")
        row = learner.get_by_role("row").filter(has_text="JupyterLab")
        expect(row).to_contain_text("Ended by an administrator", timeout=READY_TIMEOUT)


def test_a_learner_cannot_reach_admin_data(browser: Browser, stack: Stack) -> None:
    with browser_context(browser, base_url=stack.dashboard_url) as context:
        page = sign_in(context, stack.dashboard_url, "eve.curious@example.org")
        expect(page.get_by_role("link", name="Admin")).to_have_count(0)
        page.goto("/admin")
        expect(page.get_by_role("heading", level=1)).to_have_text("Admins only")
        assert_accessible(page, "the admins-only page")
        screenshot(page, "admin-refused")
        # The api refuses too, whatever the page does.
        for path in ("/api/v1/admin/instances", "/api/v1/admin/stats", "/api/v1/admin/templates"):
            response = page.request.get(path)
            assert response.status == 403, (path, response.status)
            assert response.headers["content-type"] == "application/problem+json"
        refused = page.request.get("/api/v1/events?scope=all")
        assert refused.status == 403


def test_the_sign_in_page_is_accessible_and_marked_for_development(
    browser: Browser, stack: Stack
) -> None:
    with browser_context(browser, base_url=stack.dashboard_url) as context:
        page = context.new_page()
        page.goto("/history")
        page.wait_for_url("**/oauth2/start?rd=%2Fhistory")
        expect(page.get_by_text("Local dev stack only")).to_be_visible()
        assert_accessible(page, "the development sign-in page")
        screenshot(page, "sign-in")
        page.get_by_role("button", name=re.compile("Sign in as Ada")).click()
        page.get_by_role("heading", level=1, name="History").wait_for()
