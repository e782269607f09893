"""How many never-taught questions reach the NLU inbox unaided, and how many known-intent
messages it flags by mistake: before (fallback, confidence under 0.6, top-two ambiguity) and
after (plus novelty and unsure FAQ answers).

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
from bot.training.inbox import inbox_items, text_key
from bot.training.surfacing import load_surfacing
from tests.support.processes import PROJECT_ROOT
from tests.training.novelty_messages import KNOWN, NEVER_TAUGHT

TODAY_REASONS = {"fallback", "low_confidence", "ambiguous"}
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

    url = f"sqlite+aiosqlite:///{tmp_path / 'cx.db'}"
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

    table = {
        "before": {"never_taught": _rate(before, NEVER_TAUGHT), "known": _rate(before, known)},
        "after": {"never_taught": _rate(after, NEVER_TAUGHT), "known": _rate(after, known)},
    }
    print(f"\n{'':8} {'never-taught reached':>22} {'known flagged':>15}")
    for name, row in table.items():
        reached = round(row["never_taught"] * len(NEVER_TAUGHT))
        flagged = round(row["known"] * len(known))
        print(
            f"{name:8} {row['never_taught']:>14.0%} ({reached:2}/{len(NEVER_TAUGHT)})"
            f" {row['known']:>8.0%} ({flagged:2}/{len(known)})"
        )
    messages = []
    for text, parse in zip(texts, parses, strict=True):
        selector = (parse.get("response_selector") or {}).get("faq", {}).get("response", {})
        messages.append(
            {
                "text": text,
                "never_taught": text in NEVER_TAUGHT,
                "intent": parse["intent"]["name"],
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
                **table,
                "messages": messages,
            },
            indent=2,
        )
        + "\n"
    )
    assert table["after"]["never_taught"] >= 0.9
    assert table["after"]["known"] <= 0.05
