"""How many never-taught questions reach the NLU inbox unaided, and how many known-intent
messages it flags by mistake: before (fallback, confidence under 0.6, top-two ambiguity) and
after (plus novelty and unsure FAQ answers). A known message the model answers wrongly is worth
flagging, so "by mistake" counts only the ones it answered right.

Goals (issue 18): at least 90 % of never-taught questions reached, at most 5 % of known ones
flagged by mistake. Measured 2026-12-02: 26/28 reached, 2/61 (3 %) flagged by mistake, after
conversational replies and out-of-scope answers stopped counting as novel (4/61 before). The
assertion is ``MISTAKE_CEILING``, a margin above the goal, so a retrained model that flags one or
two more known messages shows in the printed table rather than failing the suite.

The live model parses every message in-process; each becomes a conversation written through the
real sanitizer and CX store, and the inbox reads them back. Prints the table and writes
bench/results/novelty.json.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cxlog.broker import build_sanitizer
from bot.cxlog.database import create_engine, session_factory
from bot.cxlog.migrate import upgrade
from bot.cxlog.store import CXStore
from bot.settings import Settings
from bot.testing.processes import PROJECT_ROOT
from bot.testing.project import sqlite_url
from bot.training.inbox import inbox_items, text_key
from bot.training.nlu_eval import predicted_label
from bot.training.surfacing import load_surfacing
from tests.training.novelty_messages import KNOWN, NEVER_TAUGHT

TODAY_REASONS = {"fallback", "low_confidence", "ambiguous"}
REACH_GOAL = 0.9
MISTAKE_GOAL = 0.05
MISTAKE_CEILING = 0.1
RESULTS = PROJECT_ROOT / "bench" / "results" / "novelty.json"


async def _parse(texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(PROJECT_ROOT / "models" / "assistant.tar.gz"))
    return [await agent.parse_message(text) for text in texts]


def _events(sender: str, at: datetime, text: str, parse: dict) -> list[dict]:
    selector = (parse.get("response_selector") or {}).get("faq", {}).get("response", {})
    answer = (selector.get("responses") or [{"text": "Here you go."}])[0]["text"]
    return [
        {"sender_id": sender, "timestamp": at.timestamp(), "event": "user", "text": text,
         "parse_data": parse, "input_channel": "rest", "message_id": sender},
        {"sender_id": sender, "timestamp": at.timestamp() + 1, "event": "bot", "text": answer,
         "metadata": {"utter_action": "utter_answer"}},
    ]  # fmt: skip


def _rate(reached: set[str], texts: list[str]) -> float:
    return sum(text_key(text) in reached for text in texts) / len(texts)


@pytest.mark.timeout(2400)  # 93 single parses by the real model: minutes on a busy machine
async def test_never_taught_questions_reach_the_inbox_and_known_ones_do_not(
    tmp_path: Path,
) -> None:
    known = [text for text, _ in KNOWN]
    texts = NEVER_TAUGHT + known
    assert len(NEVER_TAUGHT) >= 20 and len(known) >= 60
    parses = await _parse(texts)

    url = sqlite_url(tmp_path / "cx.db")
    await asyncio.to_thread(upgrade, url)
    sanitizer = build_sanitizer(Settings())
    start = datetime.now(UTC) - timedelta(hours=1)
    raw = [
        event
        for n, (text, parse) in enumerate(zip(texts, parses, strict=True))
        for event in _events(f"measure-{n}", start + timedelta(seconds=10 * n), text, parse)
    ]
    store = CXStore.from_url(url, abandon_minutes=30)
    try:
        await store.write(sanitizer.sanitize_all(raw))
    finally:
        await store.close()

    settings = replace(Settings(), project_dir=PROJECT_ROOT)
    surfacing = await asyncio.to_thread(load_surfacing, settings)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            plain = await inbox_items(session)
            surfaced = await inbox_items(session, surfacing=surfacing)
    finally:
        await engine.dispose()
    before = {item.key for item in plain if set(item.reasons) & TODAY_REASONS}
    after = {item.key for item in surfaced}
    reasons = {item.key: sorted(item.reasons) for item in surfaced}

    answered_right = [
        text for (text, label), parse in zip(KNOWN, parses[len(NEVER_TAUGHT) :], strict=True)
        if predicted_label(parse) == label
    ]  # fmt: skip
    table = {
        name: {
            "never_taught": _rate(reached, NEVER_TAUGHT),
            "known": _rate(reached, known),
            "known_by_mistake": _rate(reached, answered_right),
        }
        for name, reached in (("before", before), ("after", after))
    }
    print(f"\n{'':8} {'never-taught reached':>22} {'known flagged':>15} {'by mistake':>14}")
    for name, row in table.items():
        reached = round(row["never_taught"] * len(NEVER_TAUGHT))
        flagged = round(row["known"] * len(known))
        mistakes = round(row["known_by_mistake"] * len(answered_right))
        print(
            f"{name:8} {row['never_taught']:>14.0%} ({reached:2}/{len(NEVER_TAUGHT)})"
            f" {row['known']:>8.0%} ({flagged:2}/{len(known)})"
            f" {row['known_by_mistake']:>6.0%} ({mistakes:2}/{len(answered_right)})"
        )
    print(f"goals: reached >= {REACH_GOAL:.0%}, flagged by mistake <= {MISTAKE_GOAL:.0%}")
    messages = []
    for text, parse in zip(texts, parses, strict=True):
        selector = (parse.get("response_selector") or {}).get("faq", {}).get("response", {})
        messages.append(
            {
                "text": text,
                "never_taught": text in NEVER_TAUGHT,
                "intent": parse["intent"]["name"],
                "label": predicted_label(parse),
                "expected": dict(KNOWN).get(text),
                "confidence": round(parse["intent"]["confidence"], 3),
                "faq_answer": selector.get("intent_response_key")
                if parse["intent"]["name"] == "faq"
                else None,
                "before": text_key(text) in before,
                "after": text_key(text) in after,
                "reasons": reasons.get(text_key(text), []),
            }
        )
    RESULTS.write_text(
        json.dumps(
            {
                "never_taught": len(NEVER_TAUGHT),
                "known": len(known),
                "novelty_percentile": settings.nlu_novelty_percentile,
                "novelty_neighbours": settings.nlu_novelty_neighbours,
                "goals": {"never_taught": REACH_GOAL, "known_by_mistake": MISTAKE_GOAL},
                **table,
                "messages": messages,
            },
            indent=2,
        )
        + "\n"
    )
    assert table["after"]["never_taught"] >= REACH_GOAL
    assert table["after"]["known_by_mistake"] <= MISTAKE_CEILING
