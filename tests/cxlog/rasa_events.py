"""Broker payloads exactly as Rasa builds them (its own event classes), for a scripted chat."""

from __future__ import annotations

from typing import Any

from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
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
        self.active_form: str | None = None

    def _add(self, event: Event, after: float) -> dict[str, Any]:
        self.clock += after
        event.timestamp = self.clock
        payload = {"sender_id": self.sender_id, **event.as_dict()}
        self.events.append(payload)
        return payload

    def session_start(
        self, metadata: dict[str, Any] | None = None, customer_id: str | None = None
    ) -> None:
        """Rasa copies the message's metadata into a slot; ``customer_id`` is what our session
        action sets once a signed token proved who the customer is."""
        self._add(ActionExecuted("action_session_start"), 0.0)
        self._add(SessionStarted(), 0.001)
        if metadata:
            self._add(SlotSet("session_started_metadata", metadata), 0.001)
        if customer_id:
            self._add(SlotSet("customer_id", customer_id), 0.001)
        self._add(ActionExecuted("action_listen"), 0.001)

    def user(
        self,
        text: str,
        intent: str,
        confidence: float = 0.95,
        entities: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
        after: float = 2.0,
        channel: str = "rest",
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
                input_channel=channel, message_id=f"m{len(self.events)}", metadata=metadata,
            ),
            after,
        )  # fmt: skip

    def action(self, name: str, after: float = 0.05) -> None:
        self._add(ActionExecuted(name, policy="RulePolicy", confidence=1.0), after)

    def bot(self, text: str, after: float = 0.1, utter_action: str | None = None) -> None:
        metadata = {"utter_action": utter_action} if utter_action else {}
        self._add(BotUttered(text, metadata=metadata), after)

    def agent(self, name: str, text: str, after: float = 5.0, shown_as: str | None = None) -> None:
        """An agent's message as the review app appends it to the tracker."""
        metadata = {"handoff_agent": name, "handoff_agent_name": shown_as or name}
        self._add(BotUttered(text, metadata=metadata), after)

    def reply(self, action: str, text: str) -> None:
        """What Rasa logs for an utterance action: the action, its text, then action_listen."""
        self.action(action)
        self.bot(text, utter_action=action)
        self.action("action_listen", after=0.01)

    def form(
        self, name: str, slots: dict[str, Any], asks: str | None = None, question: str = ""
    ) -> None:
        """A form's turn as Rasa logs it: the form action (activating it the first time), the
        slots its validation set, then the next question (``requested_slot`` and its text) or,
        with nothing left to ask, the form's end. Then ``action_listen`` if it asked."""
        self.action(name)
        if self.active_form != name:
            self.active_form = name
            self._add(ActiveLoop(name), 0.001)
        for slot, value in slots.items():
            self.slot(slot, value)
        self.slot("requested_slot", asks)
        if asks:
            self.bot(question)
            self.action("action_listen", after=0.01)
        else:
            self.active_form = None
            self._add(ActiveLoop(None), 0.001)

    def slot(self, name: str, value: Any, after: float = 0.01) -> None:
        self._add(SlotSet(name, value), after)

    def pause(self) -> None:
        self._add(ConversationPaused(), 0.01)

    def resume(self, after: float = 60.0) -> None:
        self._add(ConversationResumed(), after)

    def restart(self) -> None:
        self.action("action_restart")
        self._add(Restarted(), 0.01)
