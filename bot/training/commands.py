"""``python -m bot nlu inbox|discover|export|train-candidate|compare|promote|rollback``.

Every step also runs from the review app, which calls the same functions (the training itself in
a separate process) and shows the job file and the decision file these commands write.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from bot.cxlog.database import create_engine, session_factory
from bot.settings import Settings, load_settings
from bot.training.candidate import latest_candidate, train_candidate
from bot.training.discovery import discover
from bot.training.evaluate import evaluate_model
from bot.training.export import export
from bot.training.gate import GateDecision, compare
from bot.training.inbox import InboxItem, inbox_items
from bot.training.promote import AlreadyRolledBack, ModelStore, promote, rollback
from bot.training.questions import holdout_examples, live_examples
from bot.training.surfacing import load_surfacing

COMMAND_LINE = "the command line"  # who promoted or rolled back, when not a review-app user


def training_dir(settings: Settings) -> Path:
    return settings.var_dir / "training"


def job_file(settings: Settings) -> Path:
    return training_dir(settings) / "job.json"


def decision_file(settings: Settings, candidate: Path) -> Path:
    return training_dir(settings) / f"decision-{candidate.name.removesuffix('.tar.gz')}.json"


def _store(settings: Settings) -> ModelStore:
    return ModelStore(settings.models_dir.resolve())


def _candidate(settings: Settings, name: str | None) -> Path:
    if name:
        path = Path(name)
        return path if path.exists() else settings.models_dir / "candidates" / name
    found = latest_candidate(settings.models_dir)
    if found is None:
        raise SystemExit("nlu: no candidate yet; run `python -m bot nlu train-candidate`")
    return found


async def _with_cx_session(settings: Settings, work):
    engine = create_engine(settings.cx_database_url)
    try:
        async with session_factory(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


def _surfaced_items(settings: Settings) -> list[InboxItem]:
    surfacing = load_surfacing(settings)
    return asyncio.run(_with_cx_session(settings, lambda s: inbox_items(s, surfacing=surfacing)))


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
    result = asyncio.run(_with_cx_session(settings, lambda s: export(s, settings.project_dir)))
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
    model = train_candidate(
        settings.project_dir, settings.models_dir, job_file(settings), args.epochs
    )
    print(f"nlu: candidate trained: {model}")
    return 0


def _live_questions(settings: Settings) -> list[tuple[str, str]]:
    """The inbox's held-back labels; none (said in a line) when the CX log was never set up, so a
    comparison on a fresh checkout still runs on the written questions."""
    try:
        return asyncio.run(
            _with_cx_session(settings, lambda s: live_examples(s, settings.project_dir))
        )
    except DBAPIError as error:
        print(
            "nlu: no labelled customer messages to test on (the CX log database is not set up: "
            f"run `python -m bot prepare`); comparing on the written questions only ({error.orig})"
        )
        return []


def evaluate_candidate(settings: Settings, candidate: Path, margin: float) -> GateDecision:
    """Score live and candidate models on the same examples; store and return the decision."""
    held_out = holdout_examples(settings.project_dir)
    live = _live_questions(settings)
    examples = held_out + live
    current = asyncio.run(evaluate_model(_store(settings).current, examples))
    challenger = asyncio.run(evaluate_model(candidate, examples))
    decision = compare(current, challenger, margin, examples)
    path = decision_file(settings, candidate)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "candidate": str(candidate),
        **decision.as_dict(),
        "test_questions": {"held_out": len(held_out), "live": len(live)},
        "current": current.report.as_dict(),
        "candidate_report": challenger.report.as_dict(),
    }
    path.write_text(json.dumps(record, indent=2))
    return decision


def run_compare(settings: Settings, args: argparse.Namespace) -> int:
    candidate = _candidate(settings, args.candidate)
    margin = settings.nlu_gate_margin if args.margin is None else args.margin
    decision = evaluate_candidate(settings, candidate, margin)
    for label, delta in sorted(decision.deltas.items(), key=lambda item: item[1]):
        marker = "  GOT WORSE" if label in decision.regressions else ""
        print(f"  {label:32} {delta * 100:+4.0f} points picked right{marker}")
    for change in decision.changes:
        print(f"  {change.words()}")
    print(f"nlu: {decision.summary()}")
    return 0 if decision.promote else 1


def gate_passed(settings: Settings, candidate: Path) -> bool:
    path = decision_file(settings, candidate)
    return path.exists() and json.loads(path.read_text())["promote"] is True


def run_promote(settings: Settings, args: argparse.Namespace) -> int:
    candidate = _candidate(settings, args.candidate)
    if not args.force and not gate_passed(settings, candidate):
        print(f"nlu: {candidate.name} has not passed `nlu compare`; refusing to promote")
        return 1
    ids = asyncio.run(
        promote(
            _store(settings), candidate, settings.rasa_nodes, settings.rasa_auth_token, COMMAND_LINE
        )
    )
    print(f"nlu: promoted {candidate.name}; Rasa now runs model {', '.join(ids)}")
    return 0


def run_rollback(settings: Settings, args: argparse.Namespace) -> int:
    store = _store(settings)
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
