"""The full human handoff in two Chromium contexts: a customer on the demo shop, an agent in the
review app's inbox, against the real review app, Rasa, action server and backend.

The customer asks for a person in their own words; the bot's ``action_handoff_to_human``
pauses the conversation; everything after that is live, without any page reload, and once the
agent ends it the customer tracks an order with the assistant again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.testing.processes import ServerProcess, start_backend
from bot.testing.stack import AGENT, PASSWORD, Review, start_review
from tests.browser.helpers import REPLY_TIMEOUT_MS, ask_for_a_person

pytestmark = pytest.mark.slow
Screenshot = Callable[[Page, str], None]


@pytest.fixture(scope="module")
def review(
    rasa_stack: ServerProcess, server_logs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Review]:
    backend, api_url = start_backend(tmp_path_factory.mktemp("handoff-backend"), server_logs)
    rasa_url = rasa_stack.health_url.removesuffix("/status")
    directory = tmp_path_factory.mktemp("handoff-review")
    app = start_review(rasa_url, directory, server_logs, BACKEND_URL=api_url)
    yield app
    app.server.stop()
    backend.stop()


@pytest.fixture
def agent_page(browser: Browser, review: Review) -> Iterator[Page]:
    """A signed-in agent with the inbox open (a second browser context: its own cookies)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{review.url}/agent/inbox")
    page.get_by_label("Username").fill(AGENT)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Agent inbox")).to_be_visible()
    expect(page.locator("#connection")).to_have_text("Online: customers can be handed to you")
    yield page
    context.close()
    assert not errors, errors


def test_customer_and_agent_round_trip(
    review: Review, page: Page, agent_page: Page, screenshot: Screenshot
):
    customer, agent = page, agent_page
    customer.goto(f"{review.url}/demo")
    box, log = ask_for_a_person(customer)

    # The conversation appears in the inbox by itself; the agent opens it and reads the bot part.
    waiting = agent.locator(".queue-item").filter(has_text="waiting for an agent")
    expect(waiting).to_have_count(1)
    waiting.click()
    transcript = agent.get_by_role("log", name="Conversation transcript")
    expect(transcript).to_contain_text("i want to talk to a human")
    expect(transcript.locator(".from-bot")).not_to_have_count(0)

    reply = agent.get_by_label("Reply to the customer")
    reply.fill("Hi, I'm Ada from support. <b>Sorry</b> about the parcel!")
    started = time.monotonic()
    reply.press("Enter")
    agent_says = log.locator(".message.from-agent")
    expect(agent_says).to_contain_text("<b>Sorry</b> about the parcel!")
    print(f"agent reply shown in the widget after {time.monotonic() - started:.3f}s")
    expect(log).to_contain_text(f"{AGENT} from our support team joined the chat.")
    expect(agent.locator("#conversation-meta")).to_contain_text(f"handled by {AGENT}")

    # While the widget is closed, agent messages count as unread on the launcher.
    customer.get_by_role("button", name="Close chat").click()
    reply.fill("Could you tell me the order number?")
    reply.press("Enter")
    launcher = customer.get_by_role("button", name="Open chat: Trailhead help (1 unread)")
    expect(launcher).to_be_visible()
    launcher.click()
    expect(agent_says).to_have_count(2)

    box.fill("It's order 10001, thanks")
    box.press("Enter")
    expect(transcript).to_contain_text("It's order 10001, thanks")
    screenshot(customer, "handoff-widget")
    screenshot(agent, "handoff-inbox")

    agent.get_by_role("button", name="End handoff").click()
    expect(log).to_contain_text("back with the assistant", timeout=REPLY_TIMEOUT_MS)
    expect(log).to_contain_text(f"{AGENT} left the chat.")
    expect(agent.locator(".queue-item")).to_have_count(0)
    # The assistant is really back: an order question gets the usual questions and the answer.
    bot_answers = log.locator(".message.from-bot")
    answered_before = bot_answers.count()
    box.fill("where is my order 10001")
    box.press("Enter")
    expect(bot_answers.nth(answered_before)).to_contain_text("email", timeout=REPLY_TIMEOUT_MS)
    box.fill("alex.kim@example.com")
    box.press("Enter")
    expect(bot_answers.last).to_contain_text("UPS", timeout=REPLY_TIMEOUT_MS)
    expect(log).not_to_contain_text("got a bit lost")
    screenshot(customer, "handoff-then-tracking")
