"""Browser tests: the web app (web/, built by `make web`) in Debian's Chromium, headless, driven by
Playwright, against the session's real region. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS, ROOT

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
# Without the background-networking flags Chromium keeps trying Google's hosts, which this machine refuses.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


# One Chromium per test module: Playwright's synchronous API runs an event loop in this thread while it is
# open, and the unit tests that come later in the run start their own with asyncio.run.
@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/install-system-packages.sh installs Debian's chromium")
    if not (ROOT / "web" / "dist" / "index.html").exists():
        pytest.fail("the web app is not built: run `make web` (make test does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Watched:
    """A page whose console errors and uncaught exceptions are collected: a test ends asserting none."""

    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []
        page.on("pageerror", lambda exc: self.problems.append(f"uncaught: {exc}"))
        page.on("console", self._console)

    def _console(self, message) -> None:
        # A failed request the app answered with a message of its own is logged by the browser too.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.problems.append(f"console: {message.text}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test, so a fixture's teardown knows whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def describe_failure(name: str, watched: list[Watched]) -> None:
    """What each page showed when its test failed: its address and text in the test's report (CI keeps only
    the output) and a screenshot in test-artifacts/failures/."""
    folder = ARTIFACTS / "failures"
    folder.mkdir(parents=True, exist_ok=True)
    for number, page in enumerate(watched, 1):
        try:
            text = page.page.locator("body").inner_text(timeout=2_000)
            page.page.screenshot(path=str(folder / f"{name}-{number}.png"), full_page=True, timeout=5_000)
        except Exception as exc:  # the page itself may be what broke
            text = f"(could not read the page: {exc})"
        print(f"page {number} at {page.page.url}:\n{text[:2_000]}\n")


@pytest.fixture
def open_page(browser, gateway_url: str, request) -> Iterator:
    """open_page(size="phone"|"desktop", locale="zh-CN") -> a Watched page in a context of its own (its own
    storage: a second person), whose requests carry a client address of their own (per-address limits)."""
    contexts, watched = [], []

    def make(size: str = "desktop", locale: str = "zh-CN") -> Watched:
        address = f"2001:db8:7::{secrets.randbelow(2**16):x}, 10.0.0.1"
        context = browser.new_context(
            base_url=gateway_url,
            locale=locale,
            extra_http_headers={"X-Forwarded-For": address},
            **(PHONE if size == "phone" else DESKTOP),
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = Watched(context.new_page())
        watched.append(page)
        return page

    yield make
    call = getattr(request.node, "report_call", None)
    if call is not None and call.failed:
        describe_failure(request.node.name, watched)
    for context in contexts:
        context.close()
    problems = [p for page in watched for p in page.problems]
    assert not problems, problems


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def accessibility_violations(page, impacts=("serious", "critical")) -> list[str]:
    """axe-core's findings of these impacts on the page as it is now (labels, contrast, names, ARIA)."""
    # evaluated by the debugger protocol: the app's Content-Security-Policy rightly refuses an inline script
    page.evaluate(AXE.read_text() + "\n;undefined")
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in impacts
    ]
