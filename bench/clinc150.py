"""CLINC150 benchmark: in-scope accuracy and out-of-scope recall, as in Larson et al. 2019, Table 2.

Trains the project's NLU pipeline (config.yml) and a stock Rasa 3.6 reference pipeline on the
"full" split's `train` plus `oos_train` (as intent out_of_scope), then evaluates on `test`
(in-scope accuracy: the exact intent must be predicted) and `oos_test` (OOS recall: predicted
out_of_scope or nlu_fallback). The data is read from ../shared/eval and only ever written to a
temporary directory, never to data/.

    .venv/bin/python bench/clinc150.py [--epochs N] [--skip-stock] [--limit-per-intent N]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import datetime as dt
import json
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "eval" / "clinc150" / "data_full.json"
RESULTS = ROOT / "bench" / "results" / "clinc150.json"
OOS_LABELS = {"out_of_scope", "nlu_fallback"}
PAPER = {
    "rasa": {"in_scope_accuracy": 91.5, "oos_recall": 45.3},
    "dialogflow": {"in_scope_accuracy": 91.7, "oos_recall": 14.0},
    "bert": {"in_scope_accuracy": 96.9, "oos_recall": 40.3},
}
STOCK_PIPELINE: list[dict[str, Any]] = [
    {"name": "WhitespaceTokenizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
    {"name": "LogisticRegressionClassifier"},
    {"name": "FallbackClassifier", "threshold": 0.3},
]
EPOCH_COMPONENTS = {"DIETClassifier", "ResponseSelector"}


def load_split(limit_per_intent: int | None) -> dict[str, list[tuple[str, str]]]:
    raw = json.loads(DATA.read_text())
    train = [(text, label) for text, label in raw["train"]]
    if limit_per_intent:
        seen: Counter[str] = Counter()
        train = [ex for ex in train if (seen.update([ex[1]]) or seen[ex[1]] <= limit_per_intent)]
    train += [(text, "out_of_scope") for text, _ in raw["oos_train"]]
    return {"train": train, "test": raw["test"], "oos_test": raw["oos_test"]}


def write_nlu_yaml(examples: list[tuple[str, str]], path: Path) -> None:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    messages = [Message(data={"text": text, "intent": label}) for text, label in examples]
    path.write_text(RasaYAMLWriter().dumps(TrainingData(messages)))


def project_pipeline(epochs: int | None) -> list[dict[str, Any]]:
    """The project's pipeline; retrieval-intent components dropped (CLINC has none)."""
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    pipeline = []
    for component in copy.deepcopy(config["pipeline"]):
        if component["name"].endswith(("ResponseSelector", "FaqAnswerSelector")):
            continue
        if epochs is not None and component["name"] in EPOCH_COMPONENTS:
            component["epochs"] = epochs
        pipeline.append(component)
    return pipeline


def write_config(pipeline: list[dict[str, Any]], path: Path) -> None:
    config = {"recipe": "default.v1", "language": "en", "pipeline": pipeline, "policies": []}
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def train(config: Path, nlu: Path, out: Path, name: str) -> tuple[Path, float]:
    from rasa.model_training import train_nlu

    started = time.perf_counter()
    model = train_nlu(str(config), str(nlu), str(out), fixed_model_name=name)
    return Path(model), time.perf_counter() - started


async def predict(model: Path, texts: list[str]) -> list[str]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [(await agent.parse_message(text))["intent"]["name"] for text in texts]


def score(model: Path, split: dict[str, list]) -> dict[str, float]:
    in_scope = asyncio.run(predict(model, [text for text, _ in split["test"]]))
    oos = asyncio.run(predict(model, [text for text, _ in split["oos_test"]]))
    correct = sum(pred == gold for pred, (_, gold) in zip(in_scope, split["test"], strict=True))
    return {
        "in_scope_accuracy": round(100 * correct / len(in_scope), 2),
        "oos_recall": round(100 * sum(pred in OOS_LABELS for pred in oos) / len(oos), 2),
    }


def run_one(name: str, pipeline: list[dict], nlu: Path, work: Path, split: dict) -> dict:
    config = work / f"{name}.yml"
    write_config(pipeline, config)
    print(f"[{name}] training on {len(split['train'])} examples ...", flush=True)
    model, seconds = train(config, nlu, work / "models", name)
    print(f"[{name}] trained in {seconds:.0f}s, evaluating ...", flush=True)
    result = {**score(model, split), "train_seconds": round(seconds, 1), "config": pipeline}
    print(f"[{name}] {result['in_scope_accuracy']} / {result['oos_recall']}", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="epochs for epoch-trained parts")
    parser.add_argument("--skip-stock", action="store_true", help="do not train the reference")
    parser.add_argument("--limit-per-intent", type=int, default=None, help="smoke-test subset")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.getLogger("rasa").setLevel(logging.WARNING)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # otherwise every parse is logged

    split = load_split(args.limit_per_intent)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        nlu = work / "nlu.yml"
        write_nlu_yaml(split["train"], nlu)
        pipeline = project_pipeline(args.epochs)
        ours = run_one("ours", pipeline, nlu, work, split)
        stock = None if args.skip_stock else run_one("stock", STOCK_PIPELINE, nlu, work, split)

    epochs = [c.get("epochs") for c in pipeline if c["name"] in EPOCH_COMPONENTS]
    result = {
        **{key: ours[key] for key in ("in_scope_accuracy", "oos_recall", "train_seconds")},
        "epochs": epochs[0] if epochs else None,
        "config": ours["config"],
        "date": dt.date.today().isoformat(),
        "train_examples": len(split["train"]),
        "stock_reference": stock,
        "paper_table2_oos_train": PAPER,
        "command": " ".join([".venv/bin/python", "bench/clinc150.py", *sys.argv[1:]]),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "config"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
