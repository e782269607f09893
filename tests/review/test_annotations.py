"""Tags and notes on conversations: who may change them, and bad input stores nothing."""

from __future__ import annotations

from collections.abc import Callable

from bot.cxlog.retention import Subject, delete_conversations
from bot.cxlog.store import CXStore
from bot.review.common.models import ConversationNote, ConversationTag
from bot.testing.review_app import (
    Browser,
    conversation_id,
    count,
    sample_chats,
    senders,
    write_chats,
)


async def annotator(browsers: Callable[[], Browser], database_url: str) -> Browser:
    await write_chats(database_url, sample_chats())
    browser = browsers()
    await browser.login("annotator")
    return browser


async def test_tags_are_added_once_filtered_on_and_removed(
    browsers: Callable[[], Browser], database_url: str
) -> None:
    browser = await annotator(browsers, database_url)
    refund = await conversation_id(browser, "c-refund")
    for tag in ("Refund-Bug", "refund-bug", "  good_example "):
        reply = await browser.submit(f"/conversations/{refund}/tags", {"tag": tag})
        assert reply.status == 303 and reply.headers["Location"] == f"/conversations/{refund}"
    assert await count(database_url, ConversationTag) == 2
    assert await senders(browser, "tag=refund-bug") == ["c-refund"]
    page = await browser.get("/conversations?tag=refund-bug")
    assert '<span class="tag">good_example</span>' in page.text
    assert '<option value="refund-bug">' in page.text  # offered in the tag filter

    await browser.submit(f"/conversations/{refund}/tags/remove", {"tag": "refund-bug"})
    assert await senders(browser, "tag=refund-bug") == []
    assert await count(database_url, ConversationTag) == 1


async def test_bad_tags_are_refused_and_store_nothing(
    browsers: Callable[[], Browser], database_url: str
) -> None:
    browser = await annotator(browsers, database_url)
    refund = await conversation_id(browser, "c-refund")
    for bad in ("", "has space", "x" * 41, "<b>", "-leading-dash"):
        reply = await browser.submit(f"/conversations/{refund}/tags", {"tag": bad})
        assert reply.status == 400 and "a tag has 1-40 characters" in reply.text, bad
    missing = await browser.submit("/conversations/999999/tags", {"tag": "fine"})
    assert missing.status == 404
    assert await count(database_url, ConversationTag) == 0


async def test_notes_on_the_conversation_and_on_one_message(
    browsers: Callable[[], Browser], database_url: str
) -> None:
    browser = await annotator(browsers, database_url)
    track = await conversation_id(browser, "c-track")
    detail = (await browser.get(f"/api/conversations/{track}")).json()
    assert detail["turns"][0]["seq"] == 0
    page = (await browser.get(f"/conversations/{track}")).text
    turn_id = page.split('<article class="turn" id="turn-')[1].split('"')[0]

    await browser.submit(f"/conversations/{track}/notes", {"body": "Whole chat went well."})
    await browser.submit(
        f"/conversations/{track}/notes", {"body": "Good entity pick-up.", "turn_id": turn_id}
    )
    page = (await browser.get(f"/conversations/{track}")).text
    on_turn = page.split(f'id="turn-{turn_id}"')[1].split("</article>")[0]
    assert "Good entity pick-up." in on_turn and "Whole chat went well." not in on_turn
    general = page.split('<section class="notes">')[1]
    assert "Whole chat went well." in general and "annotator ·" in general
    assert await count(database_url, ConversationNote) == 2


async def test_bad_notes_are_refused_and_store_nothing(
    browsers: Callable[[], Browser], database_url: str
) -> None:
    browser = await annotator(browsers, database_url)
    track = await conversation_id(browser, "c-track")
    refund = await conversation_id(browser, "c-refund")
    other_turn = (
        (await browser.get(f"/conversations/{refund}")).text.split('id="turn-')[1].split('"')[0]
    )
    cases = [
        ({"body": "   "}, "the note is empty"),
        ({"body": "x" * 2001}, "at most 2000 characters"),
        ({"body": "ok", "turn_id": "abc"}, "turn_id must be a message id"),
        ({"body": "ok", "turn_id": other_turn}, "not part of this conversation"),
    ]
    for form, message in cases:
        reply = await browser.submit(f"/conversations/{track}/notes", form)
        assert reply.status == 400 and message in reply.text, message
    huge = await browser.submit(f"/conversations/{track}/notes", {"body": "x" * 100_000})
    assert huge.status == 413
    assert await count(database_url, ConversationNote) == 0


async def test_only_the_author_or_an_admin_deletes_a_note(
    browsers: Callable[[], Browser], database_url: str
) -> None:
    author = await annotator(browsers, database_url)
    track = await conversation_id(author, "c-track")
    for body in ("first note", "second note"):
        await author.submit(f"/conversations/{track}/notes", {"body": body})
    page = (await author.get(f"/conversations/{track}")).text
    note_ids = [part.split("/delete")[0] for part in page.split("/notes/")[1:]]
    assert len(note_ids) == 2

    agent = browsers()
    await agent.login("agent")
    assert "/delete" not in (await agent.get(f"/conversations/{track}")).text
    refused = await agent.submit(f"/conversations/{track}/notes/{note_ids[0]}/delete")
    assert refused.status == 403
    assert await count(database_url, ConversationNote) == 2

    assert (await author.submit(f"/conversations/{track}/notes/{note_ids[0]}/delete")).status == 303
    admin = browsers()
    await admin.login("admin")
    assert (await admin.submit(f"/conversations/{track}/notes/{note_ids[1]}/delete")).status == 303
    assert await count(database_url, ConversationNote) == 0
    gone = await admin.submit(f"/conversations/{track}/notes/{note_ids[1]}/delete")
    assert gone.status == 400 and "no such note" in gone.text


async def test_erasing_a_conversation_erases_its_tags_and_notes(
    browsers: Callable[[], Browser], database_url: str
) -> None:
    browser = await annotator(browsers, database_url)
    track = await conversation_id(browser, "c-track")
    refund = await conversation_id(browser, "c-refund")
    for conversation in (track, refund):
        await browser.submit(f"/conversations/{conversation}/tags", {"tag": "kept-or-not"})
        await browser.submit(f"/conversations/{conversation}/notes", {"body": "Customer Ann."})
    store = CXStore.from_url(database_url, abandon_minutes=30)
    try:
        assert await delete_conversations(store, Subject(sender_id="c-track")) == 1
    finally:
        await store.close()
    assert await count(database_url, ConversationTag) == 1
    assert await count(database_url, ConversationNote) == 1
    assert await senders(browser, "tag=kept-or-not") == ["c-refund"]
