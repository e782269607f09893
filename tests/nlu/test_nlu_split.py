"""The pipeline in config.yml must keep recognising held-back examples of our own NLU data.

This test TRAINS a model (marked `trains` and `slow`): it trains config.yml's pipeline on the
fixed split of data/nlu/ (bot/training/nlu_eval.py) and scores the held-back fifth. Below the
floor, run `.venv/bin/python bench/nlu_report.py` to see which intents suffer and why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.testing.processes import PROJECT_ROOT
from bot.training.nlu_eval import evaluate_split

# Was 0.92 (0.946 measured) until the new report_delivery_problem intent and the international
# shipping FAQ answer arrived: 0.906 after them. With the FAQ answers picked by FaqAnswerSelector
# (2026-12-02) it measures 0.920; report_delivery_problem (F1 0.72, confused with track_order)
# is still the weakest, to win back with more delivery-problem data.
MIN_INTENT_MACRO_F1 = 0.91

pytestmark = [pytest.mark.trains, pytest.mark.slow]


def test_intent_macro_f1_on_held_back_split(tmp_path: Path) -> None:
    result = evaluate_split(PROJECT_ROOT / "config.yml", PROJECT_ROOT / "data" / "nlu", tmp_path)

    weakest = sorted(result.intents.per_intent.items(), key=lambda item: item[1].f1)[:5]
    assert result.intents.macro_f1 >= MIN_INTENT_MACRO_F1, (
        f"macro-F1 {result.intents.macro_f1}; weakest {weakest}; "
        f"top confusions {result.confusions[:5]}"
    )
