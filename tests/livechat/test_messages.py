"""The one message shape the widget and the inbox render, from live replies and from trackers."""

from __future__ import annotations

from bot.livechat.messages import bot_message, transcript


def test_live_replies_keep_only_renderable_data() -> None:
    reply = {
        "recipient_id": "web-x",
        "text": "Pick one",
        "buttons": [{"title": "Track", "payload": "/track"}, {"title": 3, "payload": "/x"}, "junk"],
        "image": "javascript:alert(1)",
    }
    assert bot_message(reply, 5.0) == {
        "from": "bot",
        "text": "Pick one",
        "buttons": [{"title": "Track", "payload": "/track"}],
        "image": None,
        "ts": 5.0,
    }
    assert bot_message({"image": "https://cdn.example.com/a.png"}, 1.0)["image"] == (
        "https://cdn.example.com/a.png"
    )
    assert bot_message({"custom": {"anything": 1}}, 1.0) is None


def test_tracker_transcript_shows_what_the_customer_saw() -> None:
    buttons = [
        {"title": "Yes, cancel it", "payload": "/affirm"},
        {"title": "No", "payload": "/deny"},
    ]
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": 1},
        {"event": "user", "text": "cancel my order", "timestamp": 2},
        {"event": "bot", "text": "Sure?", "data": {"buttons": buttons}, "timestamp": 3},
        {"event": "user", "text": "/affirm", "timestamp": 4},
        {
            "event": "bot",
            "text": "Hi, Sam here",
            "metadata": {"handoff_agent": "sam"},
            "timestamp": 5,
        },
        {"event": "user", "text": "/deny", "timestamp": 6},
        {"event": "slot", "name": "x", "value": 1, "timestamp": 7},
    ]
    messages = transcript(events)
    assert [(m["from"], m["text"]) for m in messages] == [
        ("customer", "cancel my order"),
        ("bot", "Sure?"),
        ("customer", "Yes, cancel it"),
        ("agent", "Hi, Sam here"),
        # The buttons were answered already: a later "/deny" is shown as typed.
        ("customer", "/deny"),
    ]
    assert messages[3]["agent"] == "sam"


def test_agent_messages_show_the_display_name_the_customer_read() -> None:
    named = {"handoff_agent": "sam", "handoff_agent_name": "Sam from Support"}
    login_only = {"handoff_agent": "sam"}
    events = [
        {"event": "bot", "text": "Hi", "metadata": named, "timestamp": 1},
        {"event": "bot", "text": "Still here", "metadata": login_only, "timestamp": 2},
    ]
    assert [m["agent"] for m in transcript(events)] == ["Sam from Support", "sam"]
