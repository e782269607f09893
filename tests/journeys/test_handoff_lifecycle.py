"""The handoff lifecycle and the ways out of a misunderstanding, over the REST channel against
real servers (backend, action server, Rasa): the bot always comes back, a customer nobody can
take live gets exactly one ticket they can be reached on, and nothing goes round in circles.

The widget gateway tells the bot whether an agent can take the chat in each message's
``live_chat`` metadata; these tests send it the way the gateway does (tests/livechat and
tests/browser run the gateway itself).
"""

from __future__ import annotations

import re

import pytest

from bot.customer_token import sign_customer_token
from bot.testing.full_stack import FullStack
from bot.testing.stack import TOKEN_SECRET

pytestmark = pytest.mark.slow

TICKET = re.compile(r"T-\d+")
CHANNELS = "+1 555 0100"
AGENT_ONLINE = {"live_chat": {"available": True}}


# The shared ``stack`` fixture (tests/conftest.py) starts the servers with these: the widget's
# token secret, so signed-in customers are recognised.
STACK_OPTIONS = {"actions_env": {"WIDGET_TOKEN_SECRET": TOKEN_SECRET}}


def test_after_an_agent_ends_the_handoff_the_bot_tracks_an_order(stack: FullStack) -> None:
    sender = "journey-agent-ended"
    stack.say(sender, "hi there", AGENT_ONLINE)
    handed = stack.say(sender, "can i talk to a real person pls", AGENT_ONLINE)
    assert "colleague" in handed or "person from our team" in handed, handed
    assert stack.rasa_api(sender, "tracker")["paused"] is True
    assert stack.say(sender, "hello? anyone there", AGENT_ONLINE) == ""  # the agent's turn now
    # Words for the agent are not answers for the bot: no slot takes their order or email.
    to_agent = "it's about order 20001, my email is sam.lee@example.com"
    assert stack.say(sender, to_agent, AGENT_ONLINE) == ""
    slots = stack.rasa_api(sender, "tracker")["slots"]
    assert slots["order_id"] is None and slots["email"] is None, slots

    # What the agent inbox appends when the agent replies and then ends the handoff.
    stack.rasa_api(
        sender,
        "tracker/events",
        [
            {"event": "bot", "text": "Hi, Ada here.", "metadata": {"handoff_agent": "ada"}},
            {"event": "bot", "text": "You're back with the assistant now."},
            {"event": "resume"},
        ],
    )
    asked = stack.say(sender, "where is my order 10001", AGENT_ONLINE)
    assert "email" in asked.lower(), asked
    assert "lost" not in asked and "passing you" not in asked
    tracked = stack.say(sender, "alex.kim@example.com", AGENT_ONLINE)
    assert "shipped" in tracked.lower() and "UPS" in tracked, tracked


def test_no_agent_over_rest_one_ticket_with_email_then_the_bot_keeps_helping(
    stack: FullStack,
) -> None:
    sender = "journey-no-agent"
    first = stack.say(sender, "i want to talk to a human")
    assert "No one from our team can take a live chat right now" in first
    assert "email" in first.lower(), first
    assert stack.rasa_api(sender, "tracker")["paused"] is False
    assert "doesn't look like an email" in stack.say(sender, "my email is alex at example")

    opened = stack.say(sender, "alex.kim@example.com")
    [ticket_id] = set(TICKET.findall(opened))
    assert "alex.kim@example.com" in opened and CHANNELS in opened and " by " in opened
    assert stack.tickets(sender) == [("human_handoff", None, "alex.kim@example.com")]

    contact = stack.say(sender, "so how do I contact you?")
    assert ticket_id in contact and CHANNELS in contact, contact
    again = stack.say(sender, "just get me a person")
    assert ticket_id in again and "no need for another one" in again, again
    assert len(stack.tickets(sender)) == 1

    tracked = stack.say(sender, "where is my order 10001")
    assert "shipped" in tracked.lower() and "UPS" in tracked, tracked


def test_a_signed_in_customer_gets_a_ticket_with_their_id_and_account_email(
    stack: FullStack,
) -> None:
    sender = "journey-no-agent-known"
    token = {"customer_token": sign_customer_token("C1001", TOKEN_SECRET)}
    stack.say(sender, "hello", token)
    opened = stack.say(sender, "pass me to a human agent", token)
    assert TICKET.search(opened), opened
    [(category, customer_id, email)] = stack.tickets(sender)
    assert (category, customer_id) == ("human_handoff", "C1001")
    # The account's email (session start), named so the customer knows where the answer goes.
    assert email and "@" in email and f"reply to {email}" in opened, opened


def test_two_messages_in_a_row_it_cannot_help_with_bring_a_person_and_no_repeats(
    stack: FullStack,
) -> None:
    sender = "journey-circles"
    said = [
        stack.say(sender, text)
        for text in (
            "blorp zzzk qwerty",
            "whats the capital of peru",
            "can you sing me a song",
            "tell me a joke",
        )
    ]
    assert "from our team" not in said[0]
    assert all("person from our team" in text for text in said[1:]), said
    assert all(before != after for before, after in zip(said, said[1:], strict=False)), said
    handed = stack.say(sender, "yes")
    assert "No one from our team can take a live chat right now" in handed


def test_nonsense_read_as_order_details_is_not_understood_and_counts_towards_a_person(
    stack: FullStack,
) -> None:
    sender = "journey-nonsense-details"
    # NLU reads these as `inform` (details) with nothing in them: no "what shall I do with that
    # order?" menu, and the second in a row brings the offer of a person.
    first, second = stack.say(sender, "blorp fizzle"), stack.say(sender, "fizzle blorp")
    assert "that order" not in first and "from our team" not in first, first
    assert "person from our team" in second, second
    assert "what would you like to do" in stack.say(sender, "10001").lower()


def test_another_language_gets_our_languages_and_a_person(stack: FullStack) -> None:
    answer = stack.say("journey-german", "wo ist meine bestellung, ich warte seit einer woche")
    assert "English" in answer and "team" in answer, answer


def test_a_bare_yes_or_no_after_a_finished_task_is_not_a_misunderstanding(
    stack: FullStack,
) -> None:
    sender = "journey-bare-answers"
    stack.say(sender, "where is my order 10001")
    assert "10001 has shipped" in stack.say(sender, "alex.kim@example.com")
    more = stack.say(sender, "yes")  # nothing was asked: no "could you rephrase?"
    assert "anything else" in more.lower() and "rephrase" not in more, more
    done = stack.say(sender, "no")
    assert "anything else I can help" not in done and "rephrase" not in done, done
