"""The agent's tools in Chromium, against the real review app, Rasa, action server and backend: a
customer signed in to the shop asks for a person; the agent sees the reason in words, the
verified customer with their orders and open tickets beside the transcript, inserts a canned
reply an admin wrote, follows a customer's link (a ``javascript:`` one stays text), and the
customer reads the agent's display name. The inbox also fits a phone, long ids included.

The shop's page is the only stand-in: a static page on ``http://localhost:<port>/`` (another
origin than the app, allowed to embed the widget) with the one script tag and a customer token
signed as the shop's backend would.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.customer_token import sign_customer_token
from bot.testing.processes import BACKEND_TOKEN, ServerProcess, free_port, start_backend
from bot.testing.stack import (
    ADMIN,
    PASSWORD,
    SECOND_AGENT,
    SECOND_AGENT_NAME,
    TOKEN_SECRET,
    Review,
    shop_site,
    start_review,
    widget_tag,
)
from tests.browser.helpers import REPLY_TIMEOUT_MS, ask_for_a_person

pytestmark = pytest.mark.slow
CANNED_BODY = "Refunds reach your card within 5-7 business days."
LONG_ID = "X" * 130
SHOP_PORT = free_port()
SHOP = f"http://localhost:{SHOP_PORT}"
Screenshot = Callable[[Page, str], None]


@pytest.fixture(scope="module")
def stack(
    rasa_stack: ServerProcess, server_logs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Review, str]]:
    """A review app and the backend it reads the customer panel from (also the actions')."""
    backend, api_url = start_backend(tmp_path_factory.mktemp("inbox-backend"), server_logs)
    rasa_url = rasa_stack.health_url.removesuffix("/status")
    directory = tmp_path_factory.mktemp("inbox-review")
    review = start_review(
        rasa_url, directory, server_logs, shop_origins=(SHOP,), BACKEND_URL=api_url
    )
    yield review, api_url
    review.server.stop()
    backend.stop()


def open_ticket(api_url: str, summary: str) -> str:
    body = {
        "conversation_id": "earlier-chat",
        "category": "complaint",
        "summary": summary,
        "transcript": "",
        "customer_id": "C1001",
        "email": None,
    }
    headers = {"Authorization": f"Bearer {BACKEND_TOKEN}", "Content-Type": "application/json"}
    request = urllib.request.Request(f"{api_url}/tickets", json.dumps(body).encode(), headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["ticket_id"]


def signed_in_context(browser: Browser, review: Review, username: str, path: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{review.url}{path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return page


@pytest.fixture
def admin_page(browser: Browser, stack: tuple[Review, str]) -> Iterator[Page]:
    page = signed_in_context(browser, stack[0], ADMIN, "/agent/canned-replies")
    expect(page.get_by_role("heading", name="Canned replies", exact=True)).to_be_visible()
    yield page
    page.context.close()


@pytest.fixture
def agent_page(browser: Browser, stack: tuple[Review, str]) -> Iterator[Page]:
    page = signed_in_context(browser, stack[0], SECOND_AGENT, "/agent/inbox")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    expect(page.get_by_role("heading", name="Agent inbox")).to_be_visible()
    yield page
    page.context.close()
    assert not errors, errors


def add_canned_reply(admin: Page, title: str, body: str) -> None:
    form = admin.locator("form.canned-add")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Reply").fill(body)
    form.get_by_role("button", name="Add").click()
    expect(admin.get_by_label(f"Title of {title}")).to_have_value(title)


@pytest.fixture(scope="module")
def shop_url(
    stack: tuple[Review, str], server_logs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The shop's own page, where C1001 is signed in: it embeds the widget with a token."""
    review = stack[0]
    token = sign_customer_token("C1001", TOKEN_SECRET)
    html = "<!doctype html><title>Shop</title><h1>Trailhead shop</h1>" + widget_tag(review, token)
    site = tmp_path_factory.mktemp("inbox-shop")
    server = shop_site("inbox-shop", site, SHOP_PORT, server_logs, html)
    yield f"{SHOP}/"
    server.stop()


def test_the_agent_helps_a_verified_customer_with_the_panel_and_a_canned_reply(
    stack: tuple[Review, str],
    shop_url: str,
    page: Page,
    admin_page: Page,
    agent_page: Page,
    screenshot: Screenshot,
):
    review, api_url = stack
    customer, agent = page, agent_page
    ticket_id = open_ticket(api_url, f"Wants a call back about {LONG_ID}")
    add_canned_reply(admin_page, "Refund times", CANNED_BODY)
    agent.reload()  # the inbox reads the canned replies when it opens, no restart needed
    expect(agent.locator("#connection")).to_have_text("Online: customers can be handed to you")
    expect(agent.locator("#agent-display-name")).to_have_text(SECOND_AGENT_NAME)

    customer.goto(shop_url)
    box, log = ask_for_a_person(customer)
    box.fill("my parcel: https://example.com/parcel/10001. Also javascript:alert(1)")
    box.press("Enter")

    waiting = agent.locator(".queue-item").filter(has_text="waiting for an agent")
    expect(waiting).to_contain_text("Reason: Customer asked for a person")
    waiting.click()

    panel = agent.get_by_role("complementary", name="Customer")
    expect(panel).to_contain_text("Verified customer C1001")
    expect(panel).to_contain_text("alex.kim@example.com")
    orders = panel.get_by_role("table", name="Recent orders")
    expect(orders).to_contain_text("10001")
    tracking = orders.get_by_role("link").first
    expect(tracking).to_have_attribute("href", re.compile(r"^https://"))
    expect(panel.get_by_role("table", name="Open tickets")).to_contain_text(ticket_id)

    transcript = agent.get_by_role("log", name="Conversation transcript")
    expect(transcript).to_contain_text("javascript:alert(1)")
    link = transcript.get_by_role("link", name="https://example.com/parcel/10001")
    expect(link).to_have_attribute("href", "https://example.com/parcel/10001")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(transcript.locator("a[href^='javascript']")).to_have_count(0)
    agent.context.route(
        "https://example.com/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>Parcel</h1>"),
    )
    with agent.context.expect_page() as opened:
        link.click()
    expect(opened.value.get_by_role("heading", name="Parcel")).to_be_visible()
    opened.value.close()

    reply = agent.get_by_label("Reply to the customer")
    reply.fill("Hi Alex! ")
    reply.press("End")
    agent.get_by_role("button", name="Refund times").click()
    expect(reply).to_have_value(f"Hi Alex! {CANNED_BODY}")
    reply.press("Enter")

    agent_says = log.locator(".message.from-agent")
    expect(agent_says).to_contain_text(CANNED_BODY)
    expect(log).to_contain_text(f"{SECOND_AGENT_NAME} from our support team joined the chat.")
    expect(log).to_contain_text(f"{SECOND_AGENT_NAME} (support team)")
    expect(log).not_to_contain_text(f"{SECOND_AGENT} (support team)")
    screenshot(agent, "agent-inbox-panel")

    # A phone: the columns stack, and neither the long ticket summary nor a 130-character
    # conversation id makes the page scroll sideways.
    agent.set_viewport_size({"width": 390, "height": 844})
    agent.locator("#conversation-id").evaluate("(node, id) => { node.textContent = id; }", LONG_ID)
    conversation_box = agent.locator("#conversation").bounding_box()
    panel_box = panel.bounding_box()
    assert conversation_box and panel_box and panel_box["y"] >= conversation_box["y"] + 10
    assert panel_box["x"] == pytest.approx(conversation_box["x"], abs=2)
    overflow = agent.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    screenshot(agent, "agent-inbox-phone")

    agent.get_by_role("button", name="End handoff").click()
    expect(log).to_contain_text(f"{SECOND_AGENT_NAME} left the chat.", timeout=REPLY_TIMEOUT_MS)
