"""What every backend-calling action shares: the client, turning failures into words, and the
end-of-form step that explains why a form stopped early.

A failure never reaches the customer as silence, a stack trace or a guess: the action says what
happened and offers a person (the ``confirming`` slot remembers that a yes/no question is open).
"""

from __future__ import annotations

import logging
import math
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient, get_client
from actions.backend_errors import BackendError, TooManyAttempts
from actions.resume import offer_resume

log = logging.getLogger(__name__)

# When the backend does not say how long a throttle lasts, the contract's window is 15 minutes.
DEFAULT_THROTTLE_MINUTES = 15


class UsesBackend:
    """Mixin: the process-wide client, or the one a test hands in."""

    def __init__(self, client: BackendClient | None = None) -> None:
        self._client = client

    @property
    def backend(self) -> BackendClient:
        return self._client or get_client()


class BackendAction(UsesBackend, Action, ABC):
    """An action that calls the commerce backend."""

    @abstractmethod
    def name(self) -> str:
        """The action's name in domain.yml (abstract, so the SDK skips this base class)."""


def problem_from_error(error: BackendError) -> dict[str, Any]:
    """A backend failure as a ``form_problem`` value the form's last step explains."""
    if isinstance(error, TooManyAttempts):
        seconds = error.retry_after or DEFAULT_THROTTLE_MINUTES * 60
        return {"code": "too_many_attempts", "minutes": max(1, math.ceil(seconds / 60))}
    log.warning("backend call failed: %s: %s", type(error).__name__, error)
    return {"code": "backend_unavailable"}


def offer_handoff(
    dispatcher: CollectingDispatcher, response: str, reason: str, **values: Any
) -> list[EventType]:
    """Say ``response`` (which ends with "shall I connect you?") and remember the open offer."""
    dispatcher.utter_message(response=response, **values)
    return [SlotSet("confirming", "handoff"), SlotSet("offer_reason", reason)]


def explain_failure(
    dispatcher: CollectingDispatcher, error: BackendError, *, changing: bool = False
) -> list[EventType]:
    """The customer-facing answer to a failed call; ``changing`` calls may have gone through."""
    problem = problem_from_error(error)
    if problem["code"] == "too_many_attempts":
        return offer_handoff(
            dispatcher, "utter_too_many_attempts", "too_many_attempts", minutes=problem["minutes"]
        )
    response = "utter_backend_unavailable_change" if changing else "utter_backend_unavailable"
    return offer_handoff(dispatcher, response, "backend_unavailable")


def explain_problem(dispatcher: CollectingDispatcher, problem: dict[str, Any]) -> list[EventType]:
    """The answer to a problem every form can run into; unknown codes count as a failure."""
    code = problem.get("code")
    if code == "asked_too_often":
        return offer_handoff(dispatcher, "utter_offer_handoff_after_retries", "asked_too_often")
    if code == "too_many_attempts":
        return offer_handoff(
            dispatcher,
            "utter_too_many_attempts",
            "too_many_attempts",
            minutes=problem.get("minutes", DEFAULT_THROTTLE_MINUTES),
        )
    return offer_handoff(dispatcher, "utter_backend_unavailable", "backend_unavailable")


class FormSubmitAction(BackendAction, ABC):
    """Runs after a form ends: explains a ``form_problem`` if there is one, else does the task.

    Validators and question actions end a form early by setting ``form_problem``; this step
    always clears it and the question counters so the next form starts fresh. A task the
    customer left for this one is offered back at the end (actions/digressions.py).
    """

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        problem = tracker.get_slot("form_problem")
        events: list[EventType] = [SlotSet("form_problem", None), SlotSet("ask_counts", None)]
        if isinstance(problem, dict):
            events += self.explain(dispatcher, tracker, problem)
        else:
            events += await self.submit(dispatcher, tracker, domain)
        return events + offer_resume(dispatcher, tracker, events)

    def explain(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, problem: dict[str, Any]
    ) -> list[EventType]:
        """Forms with problems of their own (``address_locked``, ...) override this."""
        return explain_problem(dispatcher, problem)

    @abstractmethod
    async def submit(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The task itself, with every slot the form asked for filled and validated."""
