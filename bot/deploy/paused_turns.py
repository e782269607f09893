"""While a person has the conversation, the customer's words are for them, not for the bot's slots.

A handed-off conversation is a paused Rasa tracker. Rasa 3.6 still runs ``action_extract_slots``
on every message before its prediction loop notices the pause, so "it's order 20001, my email is
sam.lee@example.com", written to the agent, overwrote the order and email the bot had verified,
and the bot resumed on slots nobody checked. Installed by ``python -m bot.rasa_server``, which
every Rasa server of the project runs (Procfile, scale-out profile, tests).
"""

from __future__ import annotations

from rasa.core.channels.channel import OutputChannel
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

_ORIGINAL = MessageProcessor.run_action_extract_slots


async def run_action_extract_slots(
    self: MessageProcessor, output_channel: OutputChannel, tracker: DialogueStateTracker
) -> DialogueStateTracker:
    """Rasa's slot extraction, except while the conversation is paused for a person."""
    if tracker.is_paused():
        return tracker
    return await _ORIGINAL(self, output_channel, tracker)


def install() -> None:
    MessageProcessor.run_action_extract_slots = run_action_extract_slots  # type: ignore[method-assign]
