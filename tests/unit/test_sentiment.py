"""The emotion detector (actions/sentiment.py) measured on messages written for it: half upset,
half calm problem reports and requests. Empathy must not miss upset customers, and must not
apologise to every "where is my order"."""

from __future__ import annotations

from pathlib import Path

import yaml

from actions.sentiment import feeling

MESSAGES = Path(__file__).parents[1] / "data" / "sentiment.yml"


def test_precision_and_recall_on_the_written_set() -> None:
    data = yaml.safe_load(MESSAGES.read_text())
    emotional, calm = data["emotional"], data["calm"]
    assert len(emotional) + len(calm) >= 60 and abs(len(emotional) - len(calm)) <= 2
    found = sum(1 for text in emotional if feeling(text))
    false_alarms = sum(1 for text in calm if feeling(text))
    precision = found / max(1, found + false_alarms)
    recall = found / len(emotional)
    print(
        f"\nsentiment: precision {precision:.2f}, recall {recall:.2f}",
        f"on {len(emotional)} emotional + {len(calm)} calm",
    )
    assert precision >= 0.95 and recall >= 0.95


def test_kinds_of_feeling() -> None:
    assert feeling("I am FURIOUS, this is a JOKE") == "angry"
    assert feeling("i'm so worried, it's for a birthday") == "distressed"
    assert feeling("still haven't got it, so frustrating") == "frustrated"
    assert feeling("tracking hasn't moved in 3 days") is None
    assert feeling("order UPS RMA") is None
