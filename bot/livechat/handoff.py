"""Live human handoff: who is waiting, which agent has them, and moving messages between them.

Rasa's tracker is the source of truth: a conversation is handed off while it is paused (the
bot's ``action_handoff_to_human`` pauses it, but only when the ``live_chat`` metadata the
gateway sends with every message says an agent can take it) and the bot is back once a
``resume`` event is appended; the action logged its ``action_listen`` before the pause, so the
bot then reads the next message like any other. This object only keeps the live view of it for
the open websockets, so after a review app restart a waiting customer reappears in the inbox as
soon as their widget reconnects.
Agent messages are appended to the tracker as bot events tagged with the agent's login and the
display name the customer read, so the transcript and the CX log show exactly what the customer
read while the login stays the id agents are counted by.
A customer message to the agent and the agent ending the handoff take turns (one lock per
handed-off conversation): a message sent just before the end reaches Rasa while it is still
paused, so the bot does not answer words that were meant for the agent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from bot.cxlog.events import AGENT_METADATA_KEY, AGENT_NAME_METADATA_KEY
from bot.cxlog.handoff_reasons import reason_in_words
from bot.livechat.connections import SocketGroups
from bot.livechat.hours import WorkingHours
from bot.livechat.messages import agent_message, bot_message, transcript
from bot.livechat.rasa_client import RasaClient

logger = logging.getLogger(__name__)

# Bot events the review app writes itself (not agent words) carry this metadata key.
NOTICE_METADATA_KEY = "handoff_notice"
MAX_REASON_CHARS = 200


class UnknownHandoff(LookupError):
    """An agent acted on a conversation that is not (or no longer) handed off."""


@dataclass(frozen=True)
class Agent:
    """A signed-in agent: ``login`` tells agents apart, customers read ``name``."""

    login: str
    name: str


@dataclass
class Handoff:
    sender_id: str
    reason: str | None
    customer_id: str | None
    requested_at: float
    agent: str | None = None  # the login of the agent who answered first
    agent_name: str | None = None  # and the name the customer reads
    last_message: str | None = None


def _reason(state: dict[str, Any]) -> str | None:
    reason = (state.get("slots") or {}).get("handoff_reason")
    return str(reason)[:MAX_REASON_CHARS] if reason else None


class HandoffService:
    def __init__(
        self,
        rasa: RasaClient,
        customers: SocketGroups,
        agents: SocketGroups,
        hours: WorkingHours,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rasa = rasa
        self.customers = customers
        self.agents = agents
        self.hours = hours
        self.clock = clock
        self.handoffs: dict[str, Handoff] = {}
        # One lock per handed-off conversation: see ``customer_turn`` and ``end``.
        self.turns: dict[str, asyncio.Lock] = {}

    # -- what agents see -------------------------------------------------------------------

    def agent_available(self) -> bool:
        now = datetime.fromtimestamp(self.clock(), UTC)
        return self.hours.is_open(now) and bool(self.agents.keys())

    def live_chat(self) -> dict[str, Any]:
        """Message metadata for the bot: can a person take this chat now, and if the team is off
        duty, their hours (``action_handoff_to_human`` pauses only when ``available``)."""
        now = datetime.fromtimestamp(self.clock(), UTC)
        status: dict[str, Any] = {"available": self.agent_available()}
        if self.hours.rules and not self.hours.is_open(now):
            status["hours"] = self.hours.describe()
        return status

    def queue_frame(self) -> dict[str, Any]:
        """Who is waiting, oldest first; ``reason_text`` is the reason code in words, which is what
        agents read (the code stays for scripts)."""
        waiting = sorted(self.handoffs.values(), key=lambda handoff: handoff.requested_at)
        return {
            "type": "queue",
            "handoffs": [
                {
                    **asdict(h),
                    "reason_text": reason_in_words(h.reason),
                    "customer_online": self.customers.is_online(h.sender_id),
                }
                for h in waiting
            ],
            "agents_online": sorted(self.agents.keys()),
        }

    async def publish_queue(self) -> None:
        await self.agents.broadcast(self.queue_frame())

    async def conversation(self, sender_id: str) -> list[dict[str, Any]]:
        """The whole conversation so far (bot, customer and agent messages) for the inbox."""
        tracker = await self.rasa.tracker(sender_id)
        return transcript(tracker.get("events") or [])

    # -- customer side, called by the widget gateway ---------------------------------------

    def is_handed_off(self, sender_id: str) -> bool:
        return sender_id in self.handoffs

    def state_for(self, sender_id: str) -> dict[str, Any] | None:
        handoff = self.handoffs.get(sender_id)
        if handoff is None:
            return None
        return {"state": "active" if handoff.agent else "waiting", "agent": handoff.agent_name}

    async def conversation_paused(
        self, sender_id: str, customer_id: str | None, state: dict[str, Any]
    ) -> None:
        """The bot just handed over: queue the customer for an agent, or, when the last agent left
        since the message was sent, give the conversation back to the bot's no-agent path."""
        if sender_id in self.handoffs:
            return
        if not self.agent_available():
            await self._decline(sender_id)
            return
        self.handoffs[sender_id] = Handoff(sender_id, _reason(state), customer_id, self.clock())
        await self.customers.send(sender_id, {"type": "handoff", "state": "waiting"})
        await self.publish_queue()

    async def restore(self, sender_id: str, customer_id: str | None, state: dict[str, Any]) -> None:
        """A customer whose conversation is still paused came back (e.g. after a restart)."""
        if state.get("paused") and sender_id not in self.handoffs:
            self.handoffs[sender_id] = Handoff(sender_id, _reason(state), customer_id, self.clock())
            await self.publish_queue()

    @asynccontextmanager
    async def customer_turn(self, sender_id: str, message: dict[str, Any]) -> AsyncIterator[bool]:
        """Hold a handed-off conversation while the customer's message reaches Rasa, so an
        agent ending it meanwhile resumes the bot only after that message is logged; yields
        whether the message went to the agents (see ``customer_said``)."""
        if sender_id not in self.handoffs:
            yield False
            return
        async with self.turns.setdefault(sender_id, asyncio.Lock()):
            yield await self.customer_said(sender_id, message)

    async def customer_said(self, sender_id: str, message: dict[str, Any]) -> bool:
        """Pass a customer message to the agents; ``False`` when the bot is in charge."""
        handoff = self.handoffs.get(sender_id)
        if handoff is None:
            return False
        handoff.last_message = message["text"]
        await self.agents.broadcast({"type": "message", "conversation": sender_id, **message})
        return True

    async def bot_resumed(self, sender_id: str) -> None:
        """Rasa is answering again without an agent ending it (the session expired)."""
        self.turns.pop(sender_id, None)
        if self.handoffs.pop(sender_id, None) is not None:
            await self.publish_queue()

    async def customer_presence_changed(self, sender_id: str) -> None:
        if sender_id in self.handoffs:
            await self.publish_queue()

    # -- agent side, called by the inbox websocket -----------------------------------------

    def _handoff(self, sender_id: str) -> Handoff:
        handoff = self.handoffs.get(sender_id)
        if handoff is None:
            raise UnknownHandoff(sender_id)
        return handoff

    async def agent_reply(self, agent: Agent, sender_id: str, text: str) -> None:
        """Deliver at once to the customer's widget, then record it in the tracker."""
        handoff = self._handoff(sender_id)
        if handoff.agent is None:
            handoff.agent, handoff.agent_name = agent.login, agent.name
            await self.customers.send(
                sender_id, {"type": "handoff", "state": "active", "agent": agent.name}
            )
            await self.publish_queue()
        message = agent_message(agent.name, text, self.clock())
        await self.customers.send(sender_id, {"type": "message", "message": message})
        await self.agents.broadcast({"type": "message", "conversation": sender_id, **message})
        metadata = {AGENT_METADATA_KEY: agent.login, AGENT_NAME_METADATA_KEY: agent.name}
        event = {"event": "bot", "text": text, "timestamp": message["ts"], "metadata": metadata}
        await self.rasa.append_events(sender_id, [event])

    async def end(self, agent: Agent, sender_id: str) -> None:
        """The agent is done: the bot takes the conversation back and says so, after any customer
        message already on its way to the agent (``customer_turn``)."""
        self._handoff(sender_id)
        async with self.turns.setdefault(sender_id, asyncio.Lock()):
            self._handoff(sender_id)  # still handed off once that message is through
            text = "You're back with the assistant now. Is there anything else I can help with?"
            notice = {NOTICE_METADATA_KEY: f"ended by {agent.login}"}
            await self._say_and_resume(sender_id, text, notice)
            del self.handoffs[sender_id]
        self.turns.pop(sender_id, None)
        ended = {"type": "handoff", "state": "ended", "agent": agent.name}
        await self.customers.send(sender_id, ended)
        await self.publish_queue()

    # -- helpers ---------------------------------------------------------------------------

    async def _say_and_resume(self, sender_id: str, text: str, metadata: dict[str, str]) -> None:
        now = self.clock()
        message = bot_message({"text": text}, now)
        await self.customers.send(sender_id, {"type": "message", "message": message})
        events = [
            {"event": "bot", "text": text, "timestamp": now, "metadata": metadata},
            {"event": "resume", "timestamp": now},
        ]
        await self.rasa.append_events(sender_id, events)

    async def _decline(self, sender_id: str) -> None:
        """Nobody can take it after all: resume the bot and let it run the no-agent path (one
        ticket with the customer's contact, our other channels) as if asked again."""
        await self.rasa.append_events(sender_id, [{"event": "resume", "timestamp": self.clock()}])
        replies = await self.rasa.trigger_intent(sender_id, "request_human")
        for reply in replies:
            message = bot_message(reply, self.clock())
            if message is not None:
                await self.customers.send(sender_id, {"type": "message", "message": message})
        await self.customers.send(sender_id, {"type": "handoff", "state": "unavailable"})
