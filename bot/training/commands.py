"""``python -m bot nlu inbox|discover|export|train-candidate|compare|promote|rollback``.

Every step also runs from the review app, which calls the same functions (the training itself in
a separate process) and shows the job file and the decision file these commands write; where
those files are is the :class:`bot.training.store.ModelStore`'s business.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cxlog.database import in_session
from bot.settings import Settings, load_settings
from bot.training.candidate import train_candidate
from bot.training.discovery import discover
from bot.training.evaluate import evaluate_model
from bot.training.export import export
from bot.training.gate import GateDecision, compare
from bot.training.inbox import InboxItem, inbox_items
from bot.training.promote import AlreadyRolledBack, promote, rollback
from bot.training.questions import holdout_examples, live_examples
from bot.training.store import Decision, DecisionError, ModelStore
from bot.training.surfacing import load_surfacing

T = TypeVar("T")

COMMAND_LINE = "the command line"  # who promoted or rolled back, when not a review-app user


def _candidate(store: ModelStore, name: str | None) -> Path:
    if name:
        return store.candidate(name)
    found = store.latest_candidate()
    if found is None:
        raise SystemExit("nlu: no candidate yet; run `python -m bot nlu train-candidate`")
    return found


def _in_cx_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    return asyncio.run(in_session(settings.cx_database_url, work))


def _surfaced_items(settings: Settings) -> list[InboxItem]:
    surfacing = load_surfacing(settings)
    return _in_cx_session(settings, lambda s: inbox_items(s, surfacing=surfacing))


def run_inbox(settings: Settings, args: argparse.Namespace) -> int:
    items = _surfaced_items(settings)
    for item in items[: args.limit]:
        reasons = ",".join(sorted(item.reasons))
        guess = item.suggested_intent or "-"
        print(f"{item.count:5}  {reasons:28} {guess:24} {item.text}")
    print(f"nlu: {len(items)} open inbox items")
    return 0


def run_discover(settings: Settings, args: argparse.Namespace) -> int:
    for cluster in discover(_surfaced_items(settings), min_size=args.min_size):
        print(f"{cluster.size:5}  {cluster.suggested_name} ({cluster.customers} customers)")
        for text in cluster.representatives:
            print(f"         - {text}")
    return 0


def run_export(settings: Settings, args: argparse.Namespace) -> int:
    result = _in_cx_session(settings, lambda s: export(s, settings.project_dir))
    for intent, count in sorted(result.added.items()):
        held = result.held_back.get(intent, 0)
        kind = "new intent" if intent in result.new_intents else "examples"
        print(
            f"  {intent:32} +{count} {kind}"
            + (f", {held} held back for evaluation" if held else "")
        )
    print(
        f"nlu: exported; {result.skipped_duplicates} duplicates and "
        f"{result.skipped_redacted} texts damaged by redaction skipped"
    )
    return 0


def run_train_candidate(settings: Settings, args: argparse.Namespace) -> int:
    model = train_candidate(ModelStore.of(settings), settings.project_dir, args.epochs)
    print(f"nlu: candidate trained: {model}")
    return 0


def _live_questions(settings: Settings) -> list[tuple[str, str]]:
    """The inbox's held-back labels; none (said in a line) when the CX log was never set up, so a
    comparison on a fresh checkout still runs on the written questions."""
    try:
        return _in_cx_session(settings, lambda s: live_examples(s, settings.project_dir))
    except DBAPIError as error:
        print(
            "nlu: no labelled customer messages to test on (the CX log database is not set up: "
            f"run `python -m bot prepare`); comparing on the written questions only ({error.orig})"
        )
        return []


def evaluate_candidate(settings: Settings, candidate: Path, margin: float) -> GateDecision:
    """Score live and candidate models on the same examples; store and return the decision."""
    store = ModelStore.of(settings)
    held_out = holdout_examples(settings.project_dir)
    live = _live_questions(settings)
    examples = held_out + live
    current = asyncio.run(evaluate_model(store.current, examples))
    challenger = asyncio.run(evaluate_model(candidate, examples))
    decision = compare(current, challenger, margin, examples)
    record = Decision.of(
        candidate, decision, current.report, challenger.report, len(held_out), len(live)
    )
    store.save_decision(record)
    return decision


def run_compare(settings: Settings, args: argparse.Namespace) -> int:
    candidate = _candidate(ModelStore.of(settings), args.candidate)
    margin = settings.nlu_gate_margin if args.margin is None else args.margin
    decision = evaluate_candidate(settings, candidate, margin)
    for label, delta in sorted(decision.deltas.items(), key=lambda item: item[1]):
        marker = "  GOT WORSE" if label in decision.regressions else ""
        print(f"  {label:32} {delta * 100:+4.0f} points picked right{marker}")
    for change in decision.changes:
        print(f"  {change.words()}")
    print(f"nlu: {decision.summary()}")
    return 0 if decision.promote else 1


def run_promote(settings: Settings, args: argparse.Namespace) -> int:
    store = ModelStore.of(settings)
    candidate = _candidate(store, args.candidate)
    try:
        passed = args.force or store.gate_passed(candidate)
    except DecisionError as damaged:
        print(f"nlu: {damaged}")
        return 1
    if not passed:
        print(f"nlu: {candidate.name} has not passed `nlu compare`; refusing to promote")
        return 1
    ids = asyncio.run(
        promote(store, candidate, settings.rasa_nodes, settings.rasa_auth_token, COMMAND_LINE)
    )
    print(f"nlu: promoted {candidate.name}; Rasa now runs model {', '.join(ids)}")
    return 0


def run_rollback(settings: Settings, args: argparse.Namespace) -> int:
    store = ModelStore.of(settings)
    try:
        ids = asyncio.run(
            rollback(store, settings.rasa_nodes, settings.rasa_auth_token, COMMAND_LINE)
        )
    except AlreadyRolledBack as refused:
        print(f"nlu: {refused}")
        return 1
    print(f"nlu: rolled back; Rasa now runs model {', '.join(ids)}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """The ``nlu`` command and its steps, for bot/cli.py."""
    nlu_command = commands.add_parser("nlu", help="learn from conversation logs")
    nlu_command.set_defaults(handler=lambda args: args.nlu_handler(load_settings(), args))
    nlu = nlu_command.add_subparsers()
    inbox = nlu.add_parser("inbox", help="logged messages worth labelling, most frequent first")
    inbox.add_argument("--limit", type=int, default=50)
    inbox.set_defaults(nlu_handler=run_inbox)
    clusters = nlu.add_parser("discover", help="cluster unhandled messages into intent ideas")
    clusters.add_argument("--min-size", type=int, default=3)
    clusters.set_defaults(nlu_handler=run_discover)
    out = nlu.add_parser("export", help="write labelled messages into data/nlu and domain.yml")
    out.set_defaults(nlu_handler=run_export)
    train = nlu.add_parser("train-candidate", help="train a candidate model on data/")
    train.add_argument("--epochs", type=int, default=None, help="override epochs (quick runs)")
    train.set_defaults(nlu_handler=run_train_candidate)
    check = nlu.add_parser("compare", help="gate a candidate against the live model")
    check.add_argument("candidate", nargs="?", help="candidate file (default: newest)")
    check.add_argument(
        "--margin",
        type=float,
        default=None,
        help="allowed drop (0-1) in a topic picked right",
    )
    check.set_defaults(nlu_handler=run_compare)
    go = nlu.add_parser("promote", help="hot-swap a gated candidate into the running Rasa")
    go.add_argument("candidate", nargs="?", help="candidate file (default: newest)")
    go.add_argument("--force", action="store_true", help="skip the gate (not recommended)")
    go.set_defaults(nlu_handler=run_promote)
    back = nlu.add_parser("rollback", help="reload the model the last promotion replaced")
    back.set_defaults(nlu_handler=run_rollback)
