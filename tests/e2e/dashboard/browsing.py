"""Driving the dashboard in Debian's Chromium, against a whole dev stack, for the browser tests.

The stack (NATS, Postgres, the emulated cluster, the four services and the
sign-in proxy serving ``frontend/dist``) runs in a thread with its own event
loop, so the tests use Playwright's plain synchronous API; it is started once
for the package (``conftest``) and learners use distinct emails so tests do
not see each other's sessions. Chromium is Debian's (``/usr/bin/chromium``),
started with the flags this network-less machine needs; no browser is ever
downloaded. Each test may save screenshots under ``SCREENSHOTS`` for a person
to look at, and ``assert_accessible`` runs axe-core (from the dashboard's own
npm packages) on the page as it is.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from playwright.sync_api import Browser, BrowserContext, Page

from orchestra_devstack.stacks import Stack
from orchestra_devstack.tracecollecting import TraceCollector
from tests.e2e.stacking import ROOT, running_stack

T = TypeVar("T")

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PHONE = {"width": 360, "height": 740}


def chromium_path() -> str:
    found = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        raise AssertionError("Debian's chromium is needed: `make browser` installs it")
    return found


class StackThread:
    """The dev stack on an event loop of its own thread; ``call`` runs a coroutine there."""

    def __init__(self, **options: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.options = options
        self._context: Any = None
        self.stack: Stack | None = None

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout)

    def __enter__(self) -> Stack:
        self.thread.start()
        # Traced as in `make dev`, so every answer carries the X-Trace-Id a learner quotes.
        self.collector = TraceCollector()
        self.call(self.collector.start())
        self._context = running_stack(
            **self.options, common_env={"OTEL_EXPORTER_OTLP_ENDPOINT": self.collector.endpoint}
        )
        self.stack = self.call(self._context.__aenter__())
        return self.stack

    def __exit__(self, *exc: object) -> None:
        try:
            if self._context is not None:
                self.call(self._context.__aexit__(None, None, None))
            self.call(self.collector.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=30)


def sign_in(context: BrowserContext, base: str, email: str, *, admin: bool = False) -> Page:
    """Through the development sign-in page, as a person would; lands on the catalog."""
    page = context.new_page()
    page.goto(f"{base}/")
    page.wait_for_url("**/oauth2/start**")  # the dashboard sent us to the login
    page.get_by_label("Email").fill(email)
    if admin:
        page.get_by_label("Sign in as an admin").check()
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", level=1, name="Catalog").wait_for()
    return page


@contextmanager
def browser_context(browser: Browser, **options: Any) -> Iterator[BrowserContext]:
    # axe-core is injected as a script, which the pages' Content-Security-Policy forbids.
    context = browser.new_context(bypass_csp=True, **options)
    context.set_default_timeout(30_000)
    try:
        yield context
    finally:
        context.close()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible(page: Page, where: str) -> None:
    """axe-core on the page as it is now: no serious or critical violation."""
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: `make frontend` installs the npm packages")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const outcome = await axe.run(document, {resultTypes: ["violations"]});
            return outcome.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
            }));
        }"""
    )
    serious = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not serious, f"axe on {where}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {v['targets']}" for v in serious
    )


def no_horizontal_scroll(page: Page) -> bool:
    return bool(
        page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    )
