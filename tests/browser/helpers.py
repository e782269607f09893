"""Steps the browser tests share."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

REPLY_TIMEOUT_MS = 60_000


def ask_for_a_person(customer: Page) -> tuple[Locator, Locator]:
    """On a page with the widget: open the chat and ask for a human until the bot says it is
    connecting; returns the message box and the conversation log."""
    customer.get_by_role("button", name="Open chat").click()
    box = customer.get_by_role("textbox", name="Your message")
    log = customer.get_by_role("log", name="Conversation")
    expect(customer.get_by_role("status").filter(has_text="Online")).to_be_visible()
    box.fill("i want to talk to a human")
    box.press("Enter")
    expect(log).to_contain_text("Connecting you with a person", timeout=REPLY_TIMEOUT_MS)
    return box, log
