"""Why a logged customer message deserves a reviewer's eye, beyond the model's own doubt.

A never-taught question is often answered confidently and wrongly, so besides fallbacks, low
confidence and ambiguity a message is surfaced when:

- it is *novel*: far, in sentence-embedding space, from every training example of the intent it
  got (``bot.training.novelty``), unless that intent is a conversational reply or the
  catch-all (``NO_NOVELTY``);
- the FAQ answer it got was picked with a low retrieval score (``faq_unsure``);
- the customer's next move says the answer missed: they rephrased, said it was wrong, asked for a
  person, or left; or the conversation ended with a low rating. The message *before* that signal
  is the one surfaced.

Button payloads ("/affirm"), button titles echoed back, placeholder-only texts ("[EMAIL]") and
messages written while a person handled the conversation are never surfaced: they are not
something the NLU model should learn from.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import yaml

from bot.cxlog.models import Conversation, Handoff, Turn
from bot.settings import Settings
from bot.training.model import fingerprint
from bot.training.novelty import (
    Embedder,
    NoveltyModel,
    novelty_model,
    only_placeholders,
    strip_placeholders,
)

LOW_CONFIDENCE = 0.6
AMBIGUITY_MARGIN = 0.1
FALLBACK_INTENT = "nlu_fallback"
REQUEST_HUMAN_INTENT = "request_human"
# Replies that are not a question of their own: the turn before them is what was rated.
NOT_QUESTIONS = frozenset(
    {"greet", "goodbye", "affirm", "deny", "thank", "bot_challenge", "inform", "give_feedback",
     "rate", "request_human", FALLBACK_INTENT}
)  # fmt: skip
SAID_WRONG = re.compile(
    r"\b(not|isn'?t|wasn'?t|nothing like) (what|the thing) i (asked|meant|wanted|said)"
    r"|\b(that'?s|that is|this is|you'?re|you are|answer(?: is)?) (wrong|incorrect|not right)"
    r"|\bwrong answer|\bnot (helpful|relevant)|\bdidn'?t (answer|understand|help)"
    r"|\bdoes(?:n'?t| not) answer|\bthat'?s not (it|right)|\bno,? that'?s not",
    re.IGNORECASE,
)

# Reason codes, in the order the inbox lists them, with the words a CX person reads.
REASONS = {
    "marked": "sent here by a reviewer",
    "fallback": "the assistant gave up",
    "low_confidence": "the assistant was unsure",
    "ambiguous": "torn between two topics",
    "novel": "unlike anything it was taught for that topic",
    "faq_unsure": "unsure which FAQ answer fits",
    "rephrased": "the customer rephrased right after the answer",
    "said_wrong": "the customer said the answer was wrong",
    "asked_for_person": "the customer asked for a person right after the answer",
    "low_csat": "low rating right after the answer",
    "abandoned": "the customer left right after the answer",
}


@dataclass
class Surfacing:
    """What the inbox needs beyond the log: the novelty calibration and the encoder."""

    novelty: NoveltyModel | None = None
    embedder: Embedder | None = None
    button_titles: frozenset[str] = frozenset()  # text keys of every button title in the domain
    rephrase_similarity: float = 0.75
    faq_min_score: float = 0.5
    low_csat: int = 2
    retrieval_intents: frozenset[str] = field(default_factory=lambda: frozenset({"faq"}))


def text_key(text: str) -> str:
    """Case, spacing, trailing punctuation and digits do not make a message different."""
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = re.sub(r"\d+", "#", folded)
    return " ".join(folded.split()).rstrip(" .!?,;:")[:512]


def button_titles(project_dir: Path) -> list[str]:
    """Titles of every button in the domain's responses (a click can echo them back as text)."""
    domain = yaml.safe_load((project_dir / "domain.yml").read_text()) or {}
    titles = []
    for variants in (domain.get("responses") or {}).values():
        for variant in variants or []:
            for button in (variant or {}).get("buttons") or []:
                if isinstance(button, dict) and button.get("title"):
                    titles.append(str(button["title"]))
    return titles


def _with_agent(turn: Turn, windows: list[tuple[datetime, datetime | None]]) -> bool:
    at = turn.created_at
    return any(start <= at and (end is None or at < end) for start, end in windows)


def eligible(turn: Turn, titles: frozenset[str], windows: list, key: Callable[[str], str]) -> bool:
    """Whether a customer message may enter the inbox at all (``key`` folds texts for titles)."""
    text = (turn.user_text or "").strip()
    return bool(
        text
        and not text.startswith("/")
        and not only_placeholders(text)
        and key(text) not in titles
        and not _with_agent(turn, windows)
    )


def model_reasons(turn: Turn, surfacing: Surfacing) -> list[str]:
    """What the model's own output says: gave up, unsure, torn, or an unsure FAQ answer."""
    if turn.is_fallback or turn.intent == FALLBACK_INTENT:
        return ["fallback"]
    reasons = []
    scores = [entry.get("confidence") or 0.0 for entry in turn.intent_ranking or []]
    if len(scores) >= 2 and scores[0] - scores[1] < AMBIGUITY_MARGIN:
        reasons.append("ambiguous")
    elif turn.confidence is not None and turn.confidence < LOW_CONFIDENCE:
        reasons.append("low_confidence")
    response = _response(turn)
    if (
        turn.intent in surfacing.retrieval_intents
        and response is not None
        and (response.get("response_confidence") or 0.0) < surfacing.faq_min_score
    ):
        reasons.append("faq_unsure")
    return reasons


def _response(turn: Turn) -> dict | None:
    for entry in turn.intent_ranking or []:
        if entry.get("name") == turn.intent and entry.get("response"):
            return entry
    return None


# Labels whose examples cannot say what is new: "yep, that works for me" means what the bot's
# question meant, and a question far from every out-of-scope example is still out of scope (the
# "not understood" numbers count those). Flagging them was most of the known messages flagged
# by mistake.
NO_NOVELTY = frozenset({"affirm", "deny", "greet", "goodbye", "thank", "out_of_scope"})


def novelty_label(turn: Turn) -> str | None:
    """The label the novelty calibration knows: ``faq/<answer>`` when recorded, else the intent."""
    response = _response(turn)
    return response["response"] if response else turn.intent


def _answered(turn: Turn) -> bool:
    return not turn.is_fallback and turn.intent != FALLBACK_INTENT and bool(turn.bot_texts)


def conversation_reasons(
    conversation: Conversation,
    turns: list[Turn],
    vectors: dict[int, np.ndarray],
    surfacing: Surfacing,
) -> dict[int, list[str]]:
    """Signals from the customer's next move, attached to the answered message before it."""
    found: dict[int, list[str]] = {}
    said = [turn for turn in turns if turn.user_text]
    for before, after in zip(said, said[1:], strict=False):
        if not _answered(before) or before.id not in vectors:
            continue
        reasons = found.setdefault(before.id, [])
        if after.intent == REQUEST_HUMAN_INTENT:
            reasons.append("asked_for_person")
        elif SAID_WRONG.search(after.user_text):
            reasons.append("said_wrong")
        elif after.id in vectors and before.intent not in NOT_QUESTIONS:
            similarity = float(vectors[before.id] @ vectors[after.id])
            if similarity >= surfacing.rephrase_similarity:
                reasons.append("rephrased")
    questions = [turn for turn in said if turn.id in vectors and turn.intent not in NOT_QUESTIONS]
    last_question = questions[-1] if questions else None
    if last_question is not None and _answered(last_question):
        if conversation.csat is not None and conversation.csat <= surfacing.low_csat:
            found.setdefault(last_question.id, []).append("low_csat")
        if conversation.outcome == "abandoned" and said[-1] is last_question:
            found.setdefault(last_question.id, []).append("abandoned")
    return {turn_id: reasons for turn_id, reasons in found.items() if reasons}


def embed_turns(turns: list[Turn], embedder: Embedder | None) -> dict[int, np.ndarray]:
    """Sentence vectors of the messages, placeholders stripped (empty dict without an encoder)."""
    if embedder is None or not turns:
        return {}
    vectors = embedder([strip_placeholders(turn.user_text) for turn in turns])
    return {turn.id: vector for turn, vector in zip(turns, vectors, strict=True)}


def is_novel(turn: Turn, vector: np.ndarray | None, novelty: NoveltyModel | None) -> bool:
    """ "That's not what I asked" is about the previous answer, which is surfaced instead."""
    label = novelty_label(turn)
    if novelty is None or vector is None or not label or turn.is_fallback or label in NO_NOVELTY:
        return False
    if SAID_WRONG.search(turn.user_text or ""):
        return False
    return novelty.is_novel(vector, label)


def agent_windows(handoffs: Iterable[Handoff]) -> list[tuple[datetime, datetime | None]]:
    """From a handoff request until the person ends it, messages are meant for that person."""
    return [(handoff.requested_at, handoff.ended_at) for handoff in handoffs]


def load_surfacing(settings: Settings, embedder: Embedder | None = None) -> Surfacing:
    """Everything surfacing needs for the project's current training data (slow the first time:
    the training examples are embedded once, then cached on disk)."""
    embedder = embedder or Embedder()
    novelty = novelty_model(
        settings.project_dir,
        settings.nlu_novelty_cache_dir,
        settings.nlu_novelty_neighbours,
        settings.nlu_novelty_percentile,
        embedder,
    )
    return Surfacing(
        novelty=novelty,
        embedder=embedder,
        button_titles=frozenset(map(text_key, button_titles(settings.project_dir))),
        rephrase_similarity=settings.nlu_rephrase_similarity,
        faq_min_score=settings.nlu_faq_min_score,
    )


class SurfacingCache:
    """One :class:`Surfacing` per training-data fingerprint, built off the event loop.

    The review app keeps one for its lifetime; after an export changes the training data the next
    inbox view recalibrates (only the new examples are embedded).
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._embedder = Embedder()
        self._lock = asyncio.Lock()
        self._key: str | None = None
        self._value: Surfacing | None = None

    async def get(self) -> Surfacing:
        key = fingerprint(self._settings.project_dir)
        async with self._lock:
            if self._value is None or key != self._key:
                self._value = await asyncio.to_thread(
                    load_surfacing, self._settings, self._embedder
                )
                self._key = key
        return self._value
