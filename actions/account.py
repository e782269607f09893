"""Login trouble: send a password-reset link. The assistant never asks for a password.

The backend answers the same whether or not the account exists, and so does the assistant, so
the chat cannot be used to find out who has an account.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_errors import BackendError
from actions.base import FormSubmitAction, explain_failure, explain_problem
from actions.conversation import conversation_id
from actions.validation import FormValidator


class ValidatePasswordForm(FormValidator):
    """Asks for the email unless the widget verified the customer (their account's email)."""

    def name(self) -> str:
        return "validate_password_form"


class ActionResetPassword(FormSubmitAction):
    def name(self) -> str:
        return "action_reset_password"

    async def submit(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        email = tracker.get_slot("customer_email") or tracker.get_slot("email")
        if not email:
            return explain_problem(dispatcher, {"code": "backend_unavailable"})
        try:
            await self.backend.request_password_reset(email, conversation_id(tracker))
        except BackendError as error:
            return explain_failure(dispatcher, error)
        dispatcher.utter_message(response="utter_password_reset_sent", email=email)
        return [SlotSet("confirming", None), SlotSet("task_succeeded", True)]
