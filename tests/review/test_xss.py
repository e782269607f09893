"""Customer-controlled text is rendered escaped on every page.

Hostile strings go through the real pipeline (sanitizer, redaction, store) in every field a
customer or a client can influence: sender id, message text, entity values, intent names from a
tampered parse, bot texts echoing the customer, the feedback comment, the customer id. Then every
page that shows them must contain the escaped text and never the raw markup. The browser test
(tests/browser/test_review_xss.py) checks that nothing executes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import escape

from bot.testing.review_app import Browser, write_chats
from tests.review.cases import hostile_chats, payloads


def stored_strings(detail: dict[str, Any]) -> list[str]:
    """Every customer-influenced string as the store keeps it (after redaction)."""
    turn = detail["turns"][0]
    strings = [detail["sender_id"], detail["customer_id"], turn["user_text"], turn["intent"]]
    strings += [entity["value"] for entity in turn["entities"]]
    strings += turn["bot_texts"] + [detail["feedback"]["comment"]]
    return [text for text in strings if text]


def assert_escaped(html: str, text: str, where: str) -> None:
    assert str(escape(text)) in html, f"{where}: escaped form of {text!r} missing"
    if "<" in text or '"' in text:
        assert text not in html, f"{where}: raw {text!r} in the page"


async def test_hostile_text_is_escaped_on_every_page(
    browsers: Callable[[], Browser], database_url: str
) -> None:
    await write_chats(database_url, hostile_chats())
    browser = browsers()
    await browser.login("admin")
    items = (await browser.get("/api/conversations?limit=200")).json()["conversations"]
    assert len(items) == len(payloads())
    listing = (await browser.get("/conversations?limit=200")).text
    for item in items:
        detail = (await browser.get(f"/api/conversations/{item['id']}")).json()
        strings = stored_strings(detail)
        assert len(strings) >= 7, detail  # the payload really reached every field
        transcript = (await browser.get(f"/conversations/{item['id']}")).text
        for text in strings:
            assert_escaped(transcript, text, f"transcript {item['id']}")
        for text in (detail["sender_id"], detail["customer_id"], detail["top_intent"]):
            assert_escaped(listing, text, "list")

        # Reviewer-written notes are escaped too.
        note = detail["turns"][0]["user_text"]
        await browser.submit(f"/conversations/{item['id']}/notes", {"body": note})
        transcript = (await browser.get(f"/conversations/{item['id']}")).text
        assert_escaped(transcript, note, "note")

    # Filter values and error messages echo what was typed.
    for payload in payloads()[:5]:
        reply = await browser.get("/conversations", params={"q": payload})
        assert reply.status == 200
        assert_escaped(reply.text, " ".join(payload.split()), "search box")
        error = await browser.get("/conversations", params={"intent": payload})
        assert error.status == 400 and "<script>alert" not in error.text


async def test_the_login_page_escapes_where_it_would_return_to(browser: Browser) -> None:
    target = '/conversations"><script>alert(1)</script>'
    page = (await browser.get("/login", params={"next": target})).text
    assert_escaped(page, target, "login next")
