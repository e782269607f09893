"""NLU quality report: per-intent precision/recall/F1, entity scores and the top confusions.

Trains the pipeline on the same fixed split of data/nlu/ as tests/nlu/test_nlu_split.py (see
bot/training/nlu_eval.py) and scores the held-back fifth. Use it after changing the data or the
pipeline, to see which intents suffer and what they are mistaken for.

    .venv/bin/python bench/nlu_report.py [--config config.yml] [--data data/nlu] [--top 15]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.training.evaluate import IntentScore  # noqa: E402
from bot.training.nlu_eval import SplitEvaluation, evaluate_split  # noqa: E402


def score_table(title: str, scores: dict[str, IntentScore]) -> list[str]:
    width = max([len(title), *map(len, scores)])
    lines = [f"{title:<{width}}  precision  recall     f1  support"]
    for name, score in sorted(scores.items()):
        lines.append(
            f"{name:<{width}}  {score.precision:9.3f}  {score.recall:6.3f}  {score.f1:5.3f}"
            f"  {score.support:7d}"
        )
    return lines


def render(result: SplitEvaluation, top: int) -> str:
    intents = result.intents
    lines = [
        f"trained on {result.train_examples} examples in {result.train_seconds:.1f}s "
        f"({result.train_cpu_seconds:.1f}s CPU), "
        f"scored on {result.test_examples} held back",
        "",
        *score_table("intent", intents.per_intent),
        "",
        f"intent macro-F1 {intents.macro_f1:.4f}   accuracy {intents.accuracy:.4f}   "
        f"fell back to nlu_fallback: {result.fallbacks}",
        "",
        *score_table("entity (exact span)", result.entities),
        "",
        "top confusions (gold -> predicted: count)",
    ]
    lines += [f"  {gold} -> {predicted}: {n}" for gold, predicted, n in result.confusions[:top]]
    if not result.confusions:
        lines.append("  none")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "nlu")
    parser.add_argument("--top", type=int, default=15, help="how many confusion pairs to show")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # otherwise every parse is logged
    with tempfile.TemporaryDirectory() as work_dir:
        result = evaluate_split(args.config, args.data, Path(work_dir))
    print(render(result, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
