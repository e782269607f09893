"""Two requests in one message: the second one is kept, so the assistant can come back to it.

"i want to cancel 20001 and also change my adress" is read as one intent, the one the whole
sentence leans to (the address, 0.95); the cancellation got 0.04 in the ranking and was lost.
Here, after Rasa has parsed a message whose text splits into clauses (bot/nlu/clauses.py), each
clause is parsed on its own by the same model. The first clause that is confidently another
intent than the message's is added to the message's entities as ``also_requested`` (value: that
intent, start/end: the clause), which fills the ``pending_request`` slot. When the first task
is done, actions/resume.py offers the other one, with the entities that stood in its clause, or
answers it if it was a question with one answer (an FAQ, the delivery options).

A clause the model is unsure of is read again without what follows its first comma ("chnage my
adress, this is so annoying": an angry tail pulls it towards a complaint). Only messages that
split pay for it: one more NLU pass per clause (at most three clauses, and a second pass for
an unsure clause with a comma).
Button payloads and single-clause messages are parsed exactly as before.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import (
    ENTITIES,
    FULL_RETRIEVAL_INTENT_NAME_KEY,
    INTENT,
    INTENT_NAME_KEY,
    TEXT,
)

from bot.nlu.clauses import ALSO_REQUESTED, clause_spans, head_before_comma

EXTRACTOR = "ClauseIntents"
# A clause must be this sure of its own intent to count as a second request.
MIN_CLAUSE_CONFIDENCE = 0.9

_RASAS_PARSE = MessageProcessor.parse_message


async def parse_message(
    self: MessageProcessor,
    message: UserMessage,
    tracker: DialogueStateTracker | None = None,
    only_output_properties: bool = True,
) -> dict[str, Any]:
    parse_data = await _RASAS_PARSE(self, message, tracker, only_output_properties)
    text = parse_data.get(TEXT) or ""
    if text.startswith("/"):
        return parse_data
    main = (parse_data.get(INTENT) or {}).get(INTENT_NAME_KEY)

    async def read(start: int, end: int) -> tuple[str | None, float, dict[str, Any]]:
        clause = UserMessage(text[start:end], sender_id=message.sender_id)
        intent = (await _RASAS_PARSE(self, clause, tracker, only_output_properties))[INTENT]
        return intent.get(INTENT_NAME_KEY), intent.get("confidence") or 0.0, intent

    for start, end in clause_spans(text):
        name, confidence, intent = await read(start, end)
        head = head_before_comma(text, start, end)
        if confidence < MIN_CLAUSE_CONFIDENCE and head is not None:
            start, end = head
            name, confidence, intent = await read(start, end)
        if name and name != main and confidence >= MIN_CLAUSE_CONFIDENCE:
            parse_data.setdefault(ENTITIES, []).append(
                {
                    "entity": ALSO_REQUESTED,
                    # an FAQ question by its answer's name ("faq/gift_wrap"), so it can be answered
                    "value": intent.get(FULL_RETRIEVAL_INTENT_NAME_KEY) or name,
                    "start": start,
                    "end": end,
                    "confidence_entity": confidence,
                    "extractor": EXTRACTOR,
                }
            )
            break
    return parse_data


def install() -> None:
    MessageProcessor.parse_message = parse_message  # type: ignore[method-assign]
