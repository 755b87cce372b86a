"""Help at a learner's workshop, in Chromium (docs/src/content/docs/decisions/0070): the
instructor's class view is live (the class's stream, not polling): a learner who joins
shows up, their session turns Ready; the learner lets instructors in from "My
sessions", "Open (help)" appears on the instructor's row, the instructor enters the
workshop through the api and the gate, the learner sees who came in; when the learner
stops it, the action goes from the instructor's row."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, expect

from orchestra_devstack.stacks import Stack
from tests.e2e.dashboard.browsing import assert_accessible, browser_context, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

LEARNER = "noor.help@example.org"
TEACHER = "root@example.org"  # creates the class, so is named its instructor
READY_TIMEOUT = 60_000
# Shorter than the roster's fallback re-read (a minute): what shows within it came live.
LIVE_TIMEOUT = 30_000


def test_an_instructor_helps_a_learner_who_lets_them_in(browser: Browser, stack: Stack) -> None:
    with browser_context(browser, base_url=stack.dashboard_url) as teacher_context:
        teacher = sign_in(teacher_context, stack.dashboard_url, TEACHER, admin=True)
        now = datetime.now(UTC)
        created = teacher.request.post(
            "/api/v1/classes",
            data={
                "title": "Help class",
                "template": "jupyter",
                "starts_at": now.isoformat(),
                "ends_at": (now + timedelta(hours=4)).isoformat(),
                "expected_size": 1,
            },
        )
        assert created.status == 201, created.text()
        klass = created.json()
        teacher.goto(f"/classes/{klass['id']}")
        teacher.get_by_role("heading", level=1, name="Help class").wait_for()
        expect(teacher.get_by_text("Nobody has joined yet.")).to_be_visible()
        expect(teacher.get_by_text(re.compile("^Live: changes show"))).to_be_visible()

        with browser_context(browser, base_url=stack.dashboard_url) as learner_context:
            learner = sign_in(learner_context, stack.dashboard_url, LEARNER)
            learner.get_by_role("link", name="Classes").click()
            learner.get_by_label("Join code").fill(klass["join_code"])
            learner.get_by_role("button", name="Join").click()
            learner.wait_for_url(re.compile(r".*/sessions/[a-z0-9-]+$"))

            row = teacher.get_by_role("row").filter(has_text=LEARNER)
            expect(row).to_be_visible(timeout=LIVE_TIMEOUT)
            expect(row).to_contain_text("Ready", timeout=READY_TIMEOUT)
            help_link = row.get_by_role("link", name=re.compile("workshop to help"))
            expect(help_link).to_have_count(0)

            learner.get_by_role("link", name="My sessions").click()
            consent = learner.get_by_role("region", name="Help from your instructors")
            consent.get_by_role("button", name="Let instructors in").click()
            expect(
                consent.get_by_role("button", name="Stop letting instructors in")
            ).to_be_visible()
            expect(help_link).to_be_visible(timeout=LIVE_TIMEOUT)
            assert_accessible(teacher, "the class view with help offered")
            screenshot(teacher, "class-view-help")

            with teacher_context.expect_page() as opened:
                help_link.click()
            workshop = opened.value
            workshop.wait_for_url(re.compile(r"^http://jupyter-[a-z0-9-]+\.localhost:\d+/"))
            expect(workshop.get_by_role("heading", level=1)).to_contain_text("jupyter-")
            workshop.close()

            learner.reload()
            consent = learner.get_by_role("region", name="Help from your instructors")
            expect(consent).to_contain_text(f"{TEACHER} at")
            assert_accessible(learner, "a session an instructor helped in")
            screenshot(learner, "session-helped")

            consent.get_by_role("button", name="Stop letting instructors in").click()
            expect(consent.get_by_role("button", name="Let instructors in")).to_be_visible()
            expect(help_link).to_have_count(0, timeout=LIVE_TIMEOUT)
