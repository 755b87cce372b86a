"""A class in Chromium: an instructor (here an admin) creates it, a learner joins it with its
code from the Classes page, the instructor sees the learner's session become Ready on the
class's page, messages the class (the learner's dashboard shows it), and ends it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, expect

from orchestra_devstack.stacks import Stack
from tests.e2e.dashboard.browsing import assert_accessible, browser_context, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

LEARNER = "lin.class@example.org"
READY_TIMEOUT = 60_000


def test_an_instructor_watches_a_class_fill_messages_it_and_ends_it(
    browser: Browser, stack: Stack
) -> None:
    with browser_context(browser, base_url=stack.dashboard_url) as teacher_context:
        teacher = sign_in(teacher_context, stack.dashboard_url, "root@example.org", admin=True)
        now = datetime.now(UTC)
        created = teacher.request.post(
            "/api/v1/classes",
            data={
                "title": "Browser class",
                "template": "jupyter",
                "starts_at": now.isoformat(),
                "ends_at": (now + timedelta(hours=4)).isoformat(),
                "expected_size": 2,
            },
        )
        assert created.status == 201, created.text()
        klass = created.json()

        with browser_context(browser, base_url=stack.dashboard_url) as learner_context:
            learner = sign_in(learner_context, stack.dashboard_url, LEARNER)
            learner.get_by_role("link", name="Classes").click()
            learner.get_by_label("Join code").fill(klass["join_code"].lower())
            learner.get_by_role("button", name="Join").click()
            learner.wait_for_url(re.compile(r".*/sessions/[a-z0-9-]+$"))
            name = learner.url.rsplit("/", 1)[1]
            assert name.startswith(f"jupyter-{klass['session_tag']}-")

            teacher.get_by_role("link", name="Classes").click()
            teacher.get_by_role("link", name="Browser class").click()
            teacher.get_by_role("heading", level=1, name="Browser class").wait_for()
            row = teacher.get_by_role("row").filter(has_text=LEARNER)
            expect(row).to_contain_text("Ready", timeout=READY_TIMEOUT)
            assert_accessible(teacher, "the instructor's class view")
            screenshot(teacher, "class-view")

            teacher.get_by_label("Message the class").fill("Open notebook 2, please")
            teacher.get_by_role("button", name="Send to the class").click()
            expect(teacher.get_by_text("Sent to 1 learner(s).")).to_be_visible()
            messages = learner.get_by_role("region", name="Messages from your instructors")
            expect(messages).to_contain_text("Open notebook 2, please")

            teacher.get_by_role("button", name="End the class").click()
            dialog = teacher.get_by_role("alertdialog", name="End the class for everyone?")
            dialog.get_by_role("button", name="End the class").click()
            expect(teacher.get_by_text(re.compile(r"Ended 1 session"))).to_be_visible()
            expect(row).to_contain_text(re.compile("Terminat"), timeout=READY_TIMEOUT)
