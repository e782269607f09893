"""A large CX database for the paging test and bench/review_list.py: many synthetic
conversations written with plain SQL into a migrated SQLite file, in the store's own formats
(the FTS triggers fill the search index as in production). Spreads: a year of start times,
mostly resolved, a fifth with a fallback, a third rated, one in a hundred tagged."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.review.conversations.filters import ConversationFilter

INTENTS = [f"intent_{n:02}" for n in range(20)] + ["track_order", "request_refund"]
WORDS = [
    "order",
    "parcel",
    "refund",
    "shoes",
    "jacket",
    "delivery",
    "late",
    "address",
    "card",
    "password",
    "help",
]
OUTCOME_WEIGHTS = {"resolved": 55, "handed_off": 15, "abandoned": 15, "unresolved": 10, "open": 5}
TAGS = ["refund-bug", "good-example", "escalate"]
YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
# The filters the paging test checks the plans of and bench/review_list.py times over the bulk
# database: each selective in its own way (1 intent in 22, 1 conversation in 300 tagged, two
# common words), and all of them at once.
FILTERS = {
    "everything": ConversationFilter(),
    "date range": ConversationFilter(date_from=date(2025, 3, 1), date_to=date(2025, 3, 31)),
    "outcome": ConversationFilter(outcome="handed_off"),
    "csat": ConversationFilter(csat=1),
    "fallback": ConversationFilter(had_fallback=True),
    "handoff": ConversationFilter(had_handoff=False),
    "intent": ConversationFilter(intent="intent_03"),
    "tag": ConversationFilter(tag="escalate"),
    "search": ConversationFilter(text="refund shoes"),
    "combined": ConversationFilter(
        date_from=date(2025, 3, 1), outcome="resolved", intent="track_order", csat=5
    ),
}


def sqlite_time(moment: datetime) -> str:
    """How the store's UTCDateTime keeps times in SQLite: naive UTC text with microseconds
    (SQLAlchemy's format; comparisons are text comparisons, so the format must match)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def seed(
    path: Path, conversations: int, turns_per_conversation: int = 3, seed_value: int = 7
) -> None:
    """Append synthetic conversations to the migrated database at ``path``."""
    rng = random.Random(seed_value)
    connection = sqlite3.connect(path)
    # A throwaway file: durability costs most of the seeding time and buys nothing here.
    connection.execute("PRAGMA synchronous=OFF")
    try:
        conversation_rows, turn_rows, tag_rows = [], [], []
        # Ids grow with time, as when the broker writes conversations as they happen.
        starts = sorted(rng.randrange(365 * 86_400) for _ in range(conversations))
        for number, offset in enumerate(starts, start=1):
            started = YEAR_START + timedelta(seconds=offset)
            outcome = rng.choices(list(OUTCOME_WEIGHTS), list(OUTCOME_WEIGHTS.values()))[0]
            fallback = rng.random() < 0.2
            csat = rng.randint(1, 5) if rng.random() < 0.3 else None
            intent = rng.choice(INTENTS)
            conversation_rows.append(
                (
                    number,
                    f"bulk-{number}",
                    "rest",
                    sqlite_time(started),
                    sqlite_time(started + timedelta(minutes=3)),
                    outcome,
                    fallback,
                    outcome == "handed_off",
                    outcome == "resolved",
                    turns_per_conversation,
                    int(fallback),
                    csat,
                    intent,
                    intent,
                )
            )
            for seq in range(turns_per_conversation):
                text = " ".join(rng.choice(WORDS) for _ in range(6))
                turn_rows.append(
                    (
                        number,
                        seq,
                        text,
                        intent if seq == 0 else rng.choice(INTENTS),
                        round(rng.uniform(0.3, 1.0), 3),
                        fallback and seq == 1,
                        sqlite_time(started + timedelta(seconds=20 * seq)),
                    )
                )
            if rng.random() < 0.01:
                tag_rows.append((number, rng.choice(TAGS), "bulk", sqlite_time(started)))
        connection.executemany(
            "INSERT INTO conversations (id, sender_id, channel, started_at, last_event_at, "
            "outcome, had_fallback, had_handoff, task_succeeded, had_answer, "
            "said_goodbye_after_answer, turn_count, fallback_count, csat, first_intent, "
            "top_intent, intent_counts, name_digests) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0, ?, ?, ?, ?, ?, '{}', '[]')",
            conversation_rows,
        )
        connection.executemany(
            "INSERT INTO turns (conversation_id, seq, user_text, intent, confidence, entities, "
            "intent_ranking, bot_actions, bot_texts, is_fallback, created_at) "
            "VALUES (?, ?, ?, ?, ?, '[]', '[]', '[]', '[]', ?, ?)",
            turn_rows,
        )
        connection.executemany(
            "INSERT INTO review_conversation_tags (conversation_id, tag, created_by, created_at) "
            "VALUES (?, ?, ?, ?)",
            tag_rows,
        )
        connection.commit()
    finally:
        connection.close()
