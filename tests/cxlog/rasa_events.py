"""Broker payloads exactly as Rasa builds them (its own event classes), for a scripted chat."""

from __future__ import annotations

from typing import Any

from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)


class Chat:
    """Builds one conversation's broker payloads with a controllable clock."""

    def __init__(self, sender_id: str, start: float = 1_800_000_000.0) -> None:
        self.sender_id = sender_id
        self.clock = start
        self.events: list[dict[str, Any]] = []

    def _add(self, event: Event, after: float) -> dict[str, Any]:
        self.clock += after
        event.timestamp = self.clock
        payload = {"sender_id": self.sender_id, **event.as_dict()}
        self.events.append(payload)
        return payload

    def session_start(
        self, metadata: dict[str, Any] | None = None, verified_customer: str | None = None
    ) -> None:
        """Rasa copies the message metadata into ``session_started_metadata``; our
        action_session_start sets ``customer_id`` only for a verified signed token."""
        if metadata:
            self._add(SlotSet("session_started_metadata", metadata), 0.0)
        self._add(ActionExecuted("action_session_start"), 0.001 if metadata else 0.0)
        self._add(SessionStarted(), 0.001)
        if verified_customer:
            self._add(SlotSet("customer_id", verified_customer), 0.001)
        self._add(ActionExecuted("action_listen"), 0.001)

    def user(
        self,
        text: str,
        intent: str,
        confidence: float = 0.95,
        entities: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
        after: float = 2.0,
    ) -> None:
        parse_data = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": entities or [],
            "intent_ranking": [
                {"name": intent, "confidence": confidence},
                {"name": "other", "confidence": round(1 - confidence, 3)},
            ],
        }
        self._add(
            UserUttered(
                text, parse_data["intent"], parse_data["entities"], parse_data,
                input_channel="rest", message_id=f"m{len(self.events)}", metadata=metadata,
            ),
            after,
        )  # fmt: skip

    def action(self, name: str, after: float = 0.05) -> None:
        self._add(ActionExecuted(name, policy="RulePolicy", confidence=1.0), after)

    def bot(self, text: str, after: float = 0.1, utter_action: str | None = None) -> None:
        metadata = {"utter_action": utter_action} if utter_action else {}
        self._add(BotUttered(text, metadata=metadata), after)

    def reply(self, action: str, text: str) -> None:
        """What Rasa logs for an utterance action: the action, its text, then action_listen."""
        self.action(action)
        self.bot(text, utter_action=action)
        self.action("action_listen", after=0.01)

    def slot(self, name: str, value: Any, after: float = 0.01) -> None:
        self._add(SlotSet(name, value), after)

    def pause(self) -> None:
        self._add(ConversationPaused(), 0.01)

    def resume(self, after: float = 60.0) -> None:
        self._add(ConversationResumed(), after)

    def restart(self) -> None:
        self.action("action_restart")
        self._add(Restarted(), 0.01)
