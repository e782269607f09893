"""The agent inbox's websocket (``GET /agent/ws``): live queue, transcripts, replies, ending.

Agent frames (JSON objects, each naming a handed-off ``conversation``):
``{"type": "open"}`` asks for the transcript so far, ``{"type": "reply", "text": ...}`` answers the
customer, ``{"type": "end"}`` gives the conversation back to the bot.
The server pushes ``queue`` (who is waiting, who has whom, which agents are online) on every change
and ``message`` for every customer or agent message, so no agent ever reloads the page.
An open inbox socket is what makes an agent count as online for new handoffs.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import WSMsgType, web

from bot.channels.validation import clean_text
from bot.livechat.handoff import Agent, HandoffService, UnknownHandoff
from bot.livechat.protocol import MAX_MESSAGE_CHARS, SESSION_ID_PATTERN
from bot.livechat.rasa_client import RasaUnavailable

logger = logging.getLogger(__name__)

MAX_AGENT_FRAME_BYTES = 16384


class BadAgentFrame(ValueError):
    pass


def parse_agent_frame(raw: str) -> tuple[str, str, str]:
    """``(type, conversation, text)`` of a valid frame (``text`` is empty unless a reply)."""
    try:
        frame = json.loads(raw)
    except json.JSONDecodeError as error:
        raise BadAgentFrame("frames must be JSON objects") from error
    if not isinstance(frame, dict) or frame.get("type") not in ("open", "reply", "end"):
        raise BadAgentFrame("type must be open, reply or end")
    conversation = frame.get("conversation")
    if not isinstance(conversation, str) or not SESSION_ID_PATTERN.fullmatch(conversation):
        raise BadAgentFrame("conversation must be a widget conversation id")
    if frame["type"] != "reply":
        return frame["type"], conversation, ""
    text = frame.get("text")
    text = clean_text(text) if isinstance(text, str) else ""
    if not text or len(text) > MAX_MESSAGE_CHARS:
        raise BadAgentFrame(f"a reply needs 1 to {MAX_MESSAGE_CHARS} characters of text")
    return "reply", conversation, text


def same_origin(request: web.Request) -> bool:
    """Agents authenticate with a cookie, so only the inbox's own pages may open this socket."""
    origin = request.headers.get("Origin")
    return origin is None or origin == f"{request.scheme}://{request.host}"


class AgentInbox:
    def __init__(self, handoff: HandoffService) -> None:
        self.handoff = handoff

    async def handle(self, request: web.Request, agent: Agent) -> web.WebSocketResponse:
        if not same_origin(request):
            raise web.HTTPForbidden(text="cross-site inbox connections are refused")
        socket = web.WebSocketResponse(heartbeat=25, max_msg_size=MAX_AGENT_FRAME_BYTES)
        await socket.prepare(request)
        self.handoff.agents.add(agent.login, socket)
        try:
            await self.handoff.publish_queue()
            async for frame in socket:
                if frame.type != WSMsgType.TEXT:
                    break
                await self._on_frame(socket, agent, frame.data)
        finally:
            self.handoff.agents.remove(agent.login, socket)
            await self.handoff.publish_queue()
        return socket

    async def _on_frame(self, socket: web.WebSocketResponse, agent: Agent, raw: str) -> None:
        try:
            kind, conversation, text = parse_agent_frame(raw)
            reply: dict[str, Any] | None = None
            if kind == "open":
                if not self.handoff.is_handed_off(conversation):
                    raise UnknownHandoff(conversation)
                messages = await self.handoff.conversation(conversation)
                reply = {"type": "transcript", "conversation": conversation, "messages": messages}
            elif kind == "reply":
                await self.handoff.agent_reply(agent, conversation, text)
            else:
                await self.handoff.end(agent, conversation)
        except BadAgentFrame as error:
            reply = {"type": "error", "message": str(error)}
        except UnknownHandoff:
            reply = {"type": "error", "message": "That conversation is no longer handed off."}
        except RasaUnavailable:
            logger.exception("Rasa failed during an agent action")
            reply = {"type": "error", "message": "The assistant server did not respond; retry."}
        if reply is not None:
            await socket.send_json(reply)
