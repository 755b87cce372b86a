"""A class in Chromium: an instructor (here an admin) creates it with a warm pool from the
Classes page's form, watches the pool become ready on the class's page, a learner joins it
with its code and gets the warm workshop (the pool says it was taken), the instructor sees
the learner's session Ready, messages the class (the learner's dashboard shows it), and
ends it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

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
        teacher.get_by_role("link", name="Classes").click()
        form = teacher.get_by_role("region", name="Create a class")
        # Local wall-clock times, as the datetime-local fields take them.
        starts = datetime.now().astimezone() + timedelta(minutes=5)
        form.get_by_label("Title", exact=True).fill("Browser class")
        form.get_by_label("Workshop", exact=True).select_option("jupyter")
        form.get_by_label("Starts", exact=True).fill(starts.strftime("%Y-%m-%dT%H:%M"))
        form.get_by_label("Ends", exact=True).fill(
            (starts + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M")
        )
        form.get_by_label("Expected learners", exact=True).fill("2")
        form.get_by_label("Start workshops before the class").check()
        form.get_by_label("Warm workshops", exact=True).fill("1")
        assert_accessible(teacher, "the class form with a warm pool")
        form.get_by_role("button", name="Create the class").click()
        created = form.get_by_role("status")
        expect(created).to_contain_text("Created Browser class", timeout=READY_TIMEOUT)
        join_code = created.locator("code").inner_text()
        classes = teacher.request.get("/api/v1/classes").json()
        klass = next(c for c in classes if c["join_code"] == join_code)
        assert klass["warm_pool"] == {"size": 1, "lead_minutes": 15, "grace_minutes": 15}

        created.get_by_role("link", name="Browser class").click()
        teacher.get_by_role("heading", level=1, name="Browser class").wait_for()
        pool = teacher.get_by_text(re.compile(r"^Warm pool of 1,"))
        expect(pool).to_contain_text("1 ready to take", timeout=READY_TIMEOUT)

        with browser_context(browser, base_url=stack.dashboard_url) as learner_context:
            learner = sign_in(learner_context, stack.dashboard_url, LEARNER)
            learner.get_by_role("link", name="Classes").click()
            learner.get_by_label("Join code").fill(join_code.lower())
            learner.get_by_role("button", name="Join").click()
            learner.wait_for_url(re.compile(r".*/sessions/[a-z0-9-]+$"))
            name = learner.url.rsplit("/", 1)[1]
            assert name.startswith(f"jupyter-{klass['session_tag']}-")

            # The learner took the warm workshop: Ready at once, and the pool says so.
            expect(pool).to_contain_text("1 taken by learners", timeout=READY_TIMEOUT)
            row = teacher.get_by_role("row").filter(has_text=LEARNER)
            expect(row).to_contain_text("Ready", timeout=READY_TIMEOUT)
            warm = next(
                line
                for line in teacher.request.get(f"/api/v1/classes/{klass['id']}").json()["learners"]
                if line["learner"] == LEARNER
            )
            assert warm["seconds_to_ready"] == 0  # counted from the claim
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
