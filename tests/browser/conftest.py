"""Playwright fixtures shared by every browser test: Debian's Chromium, headless.

``browser`` is one Chromium for the whole session; ``page`` is a fresh context per test (its own
cookies) that fails the test on any JavaScript error or console error, which includes the
browser's reports of Content-Security-Policy violations. Chromium's "Failed to load resource"
lines for 4xx answers are not counted: tests assert those statuses themselves.
``screenshot(page, name)`` saves to tests/artifacts/ (git-ignored) for a human look.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

from bot.testing.processes import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
EXPECTED_HTTP_ERRORS = "Failed to load resource: the server responded with a status of 4"


# Module scope: while it lives, Playwright's sync API keeps an event loop running in the main
# thread, which would break every asyncio test collected after the browser suite.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith(EXPECTED_HTTP_ERRORS):
            problems.append(f"console: {message.text}")

    page.on("console", on_console)
    yield page
    context.close()
    assert not problems, problems


@pytest.fixture
def screenshot() -> Callable[[Page, str], None]:
    def take(page: Page, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return take
