"""A learner's morning in the dashboard, in Chromium, against the whole dev stack.

Launch → live progress → Ready → open → extend → end, then history; the
refusals a class meets (a second launch of the same workshop, an image that cannot
be pulled; a full platform is a wait in line, in test_waiting_room), the live stream
dropping mid-launch, the server's expiry warning, and a phone-sized screen. Every page is checked with
axe-core and photographed under ``artifacts/screenshots``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import nats
import pytest
from playwright.sync_api import Browser, Page, Request, expect

from orchestra_devstack.stacks import Stack
from orchestra_shared.events import Expiring, encode_event
from orchestra_shared.subjects import EXPIRING
from tests.e2e.dashboard.browsing import (
    PHONE,
    StackThread,
    assert_accessible,
    browser_context,
    no_horizontal_scroll,
    screenshot,
    sign_in,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

RSTUDIO = "RStudio (Bioconductor)"
JUPYTER = "JupyterLab"
ONTOLOGY = "Bioc2026 ontology workshop with ontoProc2"
READY_TIMEOUT = 60_000  # ms: the launch crosses five processes on a shared machine


def card(page: Page, name: str) -> Any:
    return page.get_by_role("article", name=name)


def launch_from_catalog(page: Page, template: str) -> str:
    """Click Launch on a template's card; the session's name, from the page it opens."""
    card(page, template).get_by_role("button", name="Launch").click()
    page.wait_for_url(re.compile(r".*/sessions/[a-z0-9-]+$"))
    return page.url.rsplit("/", 1)[1]


def instance(page: Page, name: str) -> dict[str, Any]:
    """The instance as the api has it, asked through the same signed-in browser."""
    response = page.request.get(f"/api/v1/instances/{name}")
    assert response.ok, response.text()
    body: dict[str, Any] = response.json()
    return body


def test_a_learner_launches_opens_extends_and_ends_a_session(
    browser: Browser, stack: Stack
) -> None:
    with browser_context(browser, base_url=stack.dashboard_url) as context:
        page = sign_in(context, stack.dashboard_url, "ada.journey@example.org")
        expect(page.get_by_label("Cluster notice")).to_contain_text("emulated")
        expect(card(page, RSTUDIO)).to_be_visible()
        assert_accessible(page, "the catalog")
        screenshot(page, "catalog")

        name = launch_from_catalog(page, RSTUDIO)
        progress = page.get_by_role("list", name="Launch progress")
        expect(progress).to_be_visible()
        expect(page.get_by_role("heading", level=1)).to_have_text(RSTUDIO)
        assert_accessible(page, "the launch progress page")
        screenshot(page, "launch-progress")

        open_link = page.get_by_role("link", name=re.compile("^Open workshop"))
        expect(open_link).to_be_visible(timeout=READY_TIMEOUT)
        expect(progress.locator('[aria-current="step"]')).to_contain_text("Ready")
        url = instance(page, name)["url"]
        assert url
        # Through the api's open flow (a single-use ticket), then the gate, then the
        # dev stack's stand-in application on {name}.localhost, WebSocket included.
        expect(open_link).to_have_attribute("href", f"/api/v1/instances/{name}/open")
        with context.expect_page() as opened:
            open_link.click()
        workshop = opened.value
        workshop.wait_for_url(url, timeout=READY_TIMEOUT)
        expect(workshop.get_by_role("heading", level=1)).to_contain_text(name)
        expect(workshop.locator("#echo")).to_have_text("hello through the gate")
        workshop.close()
        assert_accessible(page, "a Ready session")
        screenshot(page, "session-ready")

        before = instance(page, name)["expires_at"]
        page.get_by_label("Extend by").select_option("30m")
        page.get_by_role("button", name="Extend", exact=True).click()
        expect(page.get_by_text("Extended: the session now ends at")).to_be_visible()
        after = instance(page, name)["expires_at"]
        assert _at(after) - _at(before) == timedelta(minutes=30)

        page.get_by_role("link", name="My sessions").click()
        mine = card(page, RSTUDIO)
        expect(mine).to_be_visible()
        expect(mine).to_contain_text("Ends in")
        assert_accessible(page, "my sessions")
        screenshot(page, "my-sessions")

        mine.get_by_role("button", name="End session").click()
        dialog = page.get_by_role("alertdialog", name="End this session?")
        expect(dialog).to_contain_text("Unsaved work")
        assert_accessible(page, "the end-session confirmation")
        dialog.get_by_role("button", name="End session").click()
        expect(page.get_by_role("article", name=RSTUDIO)).to_have_count(0, timeout=READY_TIMEOUT)

        page.get_by_role("link", name="History").click()
        row = page.get_by_role("row").filter(has_text=RSTUDIO)
        expect(row).to_contain_text("Ended by you", timeout=READY_TIMEOUT)
        assert_accessible(page, "the history")
        screenshot(page, "history")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_second_launch_of_a_running_workshop_offers_the_running_one(
    browser: Browser, stack: Stack
) -> None:
    with browser_context(browser, base_url=stack.dashboard_url) as context:
        page = sign_in(context, stack.dashboard_url, "ada.twice@example.org")
        first = launch_from_catalog(page, JUPYTER)
        # A second tab whose catalog does not know of the first launch yet (opened
        # before it, say): its Launch reaches the api, which refuses with 409.
        stale = context.new_page()
        stale.route(
            re.compile(r".*/api/v1/instances$"),
            lambda route: route.fulfill(json=[]) if route.request.method == "GET" else route.continue_(),
        )  # fmt: skip
        stale.goto("/")
        card(stale, JUPYTER).get_by_role("button", name="Launch").click()
        refusal = card(stale, JUPYTER).get_by_role("alert")
        expect(refusal).to_contain_text("already have")
        screenshot(stale, "launch-refused-409")
        refusal.get_by_role("link", name="Go to your running session").click()
        stale.wait_for_url(f"**/sessions/{first}")


def test_a_failed_launch_says_why_in_plain_words(browser: Browser, stack: Stack) -> None:
    with browser_context(browser, base_url=stack.dashboard_url) as context:
        page = sign_in(context, stack.dashboard_url, "ada.failing@example.org")
        launch_from_catalog(page, ONTOLOGY)
        alert = page.get_by_role("alert").filter(has_text="could not be downloaded")
        expect(alert).to_be_visible(timeout=READY_TIMEOUT)
        expect(page.get_by_text("Traceback")).to_have_count(0)
        assert_accessible(page, "a failed session")
        screenshot(page, "launch-failed")


def test_the_page_reaches_ready_when_the_stream_drops_mid_launch(
    browser: Browser, stack: Stack, stack_thread: StackThread
) -> None:
    with browser_context(browser, base_url=stack.dashboard_url) as context:
        page = sign_in(context, stack.dashboard_url, "ada.offline@example.org")
        streams: list[str] = []

        def note(request: Request) -> None:
            if "/api/v1/events" in request.url:
                streams.append(request.url)

        page.on("request", note)
        launch_from_catalog(page, RSTUDIO)
        status = page.get_by_role("status")
        expect(status).to_have_text("Live")
        # The api goes away and comes back while the workshop starts: the stream breaks.
        stack_thread.call(stack.service("api").restart())
        expect(page.get_by_role("link", name=re.compile("^Open workshop"))).to_be_visible(
            timeout=READY_TIMEOUT
        )
        expect(status).to_have_text("Live", timeout=READY_TIMEOUT)
        # It came back asking for what it missed, not starting blind.
        assert any("last_event_id=" in url for url in streams), streams


def test_the_expiry_warning_comes_from_the_server(
    browser: Browser, stack: Stack, stack_thread: StackThread
) -> None:
    email = "ada.warned@example.org"
    with browser_context(browser, base_url=stack.dashboard_url) as context:
        page = sign_in(context, stack.dashboard_url, email)
        name = launch_from_catalog(page, RSTUDIO)
        expect(page.get_by_role("status")).to_have_text("Live")
        expect(page.get_by_role("alert").filter(has_text="save your work")).to_have_count(0)
        deadline = _at(instance(page, name)["expires_at"])
        warning = Expiring(
            instance=name, owner=email, expires_at=deadline, lead_seconds=15 * 60
        )  # as expiry sends it, 15 minutes before
        stack_thread.call(_publish(stack.nats.url, warning))
        banner = page.get_by_role("alert").filter(has_text="ends in 15 minutes")
        expect(banner).to_contain_text("save your work")
        screenshot(page, "expiry-warning")


async def _publish(nats_url: str, event: Expiring) -> None:
    client = await nats.connect(nats_url)
    try:
        await client.jetstream().publish(EXPIRING, encode_event(event))
    finally:
        await client.close()


def test_the_dashboard_works_on_a_phone(browser: Browser, stack: Stack) -> None:
    with browser_context(
        browser, base_url=stack.dashboard_url, viewport=PHONE, is_mobile=True, has_touch=True
    ) as context:
        page = sign_in(context, stack.dashboard_url, "ada.phone@example.org")
        assert no_horizontal_scroll(page), "the catalog scrolls sideways on a phone"
        assert_accessible(page, "the catalog on a phone")
        screenshot(page, "phone-catalog")
        launch_from_catalog(page, JUPYTER)
        expect(page.get_by_role("link", name=re.compile("^Open workshop"))).to_be_visible(
            timeout=READY_TIMEOUT
        )
        assert no_horizontal_scroll(page), "the session page scrolls sideways on a phone"
        screenshot(page, "phone-session")
        page.goto("/history")
        page.get_by_role("heading", level=1, name="History").wait_for()
        assert no_horizontal_scroll(page), "the history scrolls sideways on a phone"


def test_a_keyboard_alone_reaches_launch_with_a_visible_focus(
    browser: Browser, stack: Stack
) -> None:
    with browser_context(browser, base_url=stack.dashboard_url) as context:
        page = sign_in(context, stack.dashboard_url, "ada.keyboard@example.org")
        target = card(page, JUPYTER).get_by_role("button", name="Launch")
        for _ in range(80):  # Tab through the page in its focus order, as a person would
            page.keyboard.press("Tab")
            if target.evaluate("button => button === document.activeElement"):
                break
        else:
            raise AssertionError("Tab never reached JupyterLab's Launch button")
        outline = target.evaluate(
            "b => { const s = getComputedStyle(b); return [s.outlineStyle, s.outlineWidth]; }"
        )
        assert outline[0] != "none", outline
        assert outline[1] != "0px", outline
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/sessions/[a-z0-9-]+$"))
        expect(page.get_by_role("list", name="Launch progress")).to_be_visible()
