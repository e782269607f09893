"""The widget in Debian's Chromium against the real review app, Rasa and action server.

Pages come from tests/browser/conftest.py (any JavaScript or console error fails the test);
screenshots land in tests/artifacts/ (git-ignored) for a look at what customers see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from bot.testing.processes import ServerProcess, free_port
from bot.testing.stack import Review, shop_site, start_review, widget_tag
from tests.browser.helpers import REPLY_TIMEOUT_MS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shop_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def review(
    rasa_stack: ServerProcess,
    shop_port: int,
    server_logs: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Review]:
    rasa_url = rasa_stack.health_url.removesuffix("/status")
    directory = tmp_path_factory.mktemp("browser-review")
    shop = f"http://localhost:{shop_port}"
    app = start_review(rasa_url, directory, server_logs, shop_origins=(shop,))
    yield app
    app.server.stop()


@pytest.fixture(scope="module")
def shop_url(
    review: Review, shop_port: int, server_logs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Another site (another origin, a plain static server) embedding the widget with one tag."""
    html = (
        "<!doctype html><meta name=viewport content='width=device-width'><title>Shop</title>"
        "<h1>Another shop</h1>" + widget_tag(review)
    )
    server = shop_site("shop", tmp_path_factory.mktemp("shop-site"), shop_port, server_logs, html)
    # "localhost" rather than 127.0.0.1: the same machine, but another origin than the app.
    yield f"http://localhost:{shop_port}/"
    server.stop()


def open_chat(page: Page, url: str) -> Locator:
    """Open the demo page and the widget; returns the conversation log."""
    page.goto(f"{url}/demo")
    launcher = page.get_by_role("button", name="Open chat")
    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("dialog", name="Trailhead help")).to_be_visible()
    expect(message_box(page)).to_be_focused()
    expect(page.get_by_role("status").filter(has_text="Online")).to_be_visible()
    return page.get_by_role("log", name="Conversation")


def message_box(page: Page) -> Locator:
    return page.get_by_role("textbox", name="Your message")


def say(page: Page, text: str) -> None:
    box = message_box(page)
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")


def bot_messages(log: Locator) -> Locator:
    return log.locator(".message.from-bot")


Screenshot = Callable[[Page, str], None]


def test_chat_quick_reply_and_history_after_reload(
    review: Review, page: Page, screenshot: Screenshot
):
    log = open_chat(page, review.url)
    say(page, "hello there")
    expect(bot_messages(log)).to_have_count(2, timeout=REPLY_TIMEOUT_MS)  # welcome + answer

    say(page, "I'd like to rate this chat")
    rating = page.get_by_role("group", name="Rating from 1 to 5")
    expect(rating).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    screenshot(page, "widget-rating")
    rating.get_by_role("button", name="4 out of 5").click()
    expect(log.locator(".message.from-customer").last).to_contain_text("4")
    expect(rating).to_have_count(0)  # answered buttons go away
    expect(page.get_by_role("group", name="Rating from 0 to 10")).to_be_visible(
        timeout=REPLY_TIMEOUT_MS
    )
    shown_before = log.locator(".bubble").all_inner_texts()

    page.reload()
    log = page.get_by_role("log", name="Conversation")
    # The panel stays open and the same conversation comes back from the server.
    expect(log.locator(".message.from-customer")).to_have_count(3, timeout=REPLY_TIMEOUT_MS)
    assert log.locator(".bubble").all_inner_texts() == shown_before[1:]  # no welcome now
    expect(page.get_by_role("group", name="Rating from 0 to 10")).to_be_visible()
    screenshot(page, "widget-history")


def test_markup_from_anyone_is_shown_as_text(review: Review, page: Page, screenshot: Screenshot):
    log = open_chat(page, review.url)
    payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    say(page, f"{payload} see https://example.com/help?q=1. and javascript:alert(1)")
    customer = log.locator(".message.from-customer").last
    expect(customer).to_contain_text(payload)
    expect(log.locator("img, script")).to_have_count(0)
    link = customer.get_by_role("link")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", "https://example.com/help?q=1")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(bot_messages(log)).to_have_count(2, timeout=REPLY_TIMEOUT_MS)
    assert page.evaluate("window.__pwned") is None
    screenshot(page, "widget-xss")


def test_keyboard_only(review: Review, page: Page):
    page.goto(f"{review.url}/demo")
    launcher = page.get_by_role("button", name="Open chat")
    for _ in range(10):  # Tab through the shop page until the launcher has focus
        page.keyboard.press("Tab")
        if launcher.evaluate("node => node.getRootNode().activeElement === node"):
            break
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(message_box(page)).to_be_focused()
    expect(page.get_by_role("status").filter(has_text="Online")).to_be_visible()
    page.keyboard.type("hi")
    page.keyboard.press("Enter")
    log = page.get_by_role("log", name="Conversation")
    expect(bot_messages(log)).to_have_count(2, timeout=REPLY_TIMEOUT_MS)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()


def test_reconnects_after_a_server_restart(review: Review, browser: Browser):
    # Its own context: Chromium logs the refused reconnection attempts as console errors.
    context = browser.new_context()
    page = context.new_page()
    log = open_chat(page, review.url)
    say(page, "hello")
    expect(bot_messages(log)).to_have_count(2, timeout=REPLY_TIMEOUT_MS)

    review.server.stop()
    expect(page.get_by_role("status")).to_have_text("Connection lost, reconnecting…")
    expect(page.get_by_role("button", name="Send")).to_be_disabled()
    review.server.start()
    expect(page.get_by_role("status")).to_have_text("Online", timeout=30_000)
    say(page, "goodbye")
    expect(bot_messages(log)).to_have_count(2, timeout=REPLY_TIMEOUT_MS)  # history re-rendered
    expect(log.locator(".message.from-customer")).to_have_count(2)
    expect(log.locator(".message").last).to_have_class("message from-bot", timeout=REPLY_TIMEOUT_MS)
    context.close()


def test_one_script_tag_on_another_site_and_on_a_phone(
    shop_url: str, browser: Browser, screenshot: Screenshot
):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    page.goto(shop_url)
    page.get_by_role("button", name="Open chat").click()
    dialog = page.get_by_role("dialog", name="Trailhead help")
    expect(page.get_by_role("status").filter(has_text="Online")).to_be_visible()
    box = dialog.bounding_box()
    assert box is not None and (box["width"], box["height"]) == (390, 844)
    say(page, "hi")
    expect(bot_messages(page.get_by_role("log"))).to_have_count(2, timeout=REPLY_TIMEOUT_MS)
    screenshot(page, "widget-phone")
    context.close()


def test_a_stored_id_the_server_refuses_starts_a_new_conversation(review: Review, page: Page):
    page.goto(f"{review.url}/demo")
    key = f"cx-widget:{review.url}"
    page.evaluate(
        "key => localStorage.setItem(key, JSON.stringify({sessionId: 'smoke-user'}))", key
    )
    page.reload()
    log = open_chat(page, review.url)
    say(page, "hello")
    expect(bot_messages(log)).to_have_count(2, timeout=REPLY_TIMEOUT_MS)
    stored = page.evaluate("key => JSON.parse(localStorage.getItem(key)).sessionId", key)
    assert stored.startswith("web-")
