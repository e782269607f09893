"""Export labelled inbox messages into the Rasa project, ready for training.

- Examples of intents the assistant already knows go to ``data/nlu/from_logs.yml``.
- A new intent gets its own ``data/nlu/new_<intent>.yml``, an entry and an ``utter_<intent>``
  response (the answer given when it was created) in ``domain.yml``, and a rule
  ``data/rules/new_<intent>.yml`` so the assistant answers it. Every fifth example of a new
  intent is held back in ``evaluation/new_intents/<intent>.yml`` for the promotion gate.
- Messages already in the training or evaluation data (same normalised text) are skipped.
Only the redacted text of the CX log is exported. ``rasa data validate`` accepts the result.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ruamel.yaml import YAML
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.training.inbox import text_key
from bot.training.models import NluAnnotation, NluNewIntent

HOLD_BACK_EVERY = 5


@dataclass
class ExportResult:
    added: dict[str, int] = field(default_factory=dict)  # intent -> examples written
    held_back: dict[str, int] = field(default_factory=dict)
    skipped_duplicates: int = 0
    new_intents: list[str] = field(default_factory=list)


def _read_messages(path: Path) -> list:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    return list(RasaYAMLReader().read(str(path)).training_examples) if path.exists() else []


def _write_messages(path: Path, messages: list) -> None:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.training_data import TrainingData

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(RasaYAMLWriter().dumps(TrainingData(messages)))


def _message(annotation: NluAnnotation):
    from rasa.shared.nlu.training_data.message import Message

    data = {"text": annotation.example_text, "intent": annotation.intent}
    if annotation.entities:
        data["entities"] = [dict(entity) for entity in annotation.entities]
    return Message(data=data)


def _append(path: Path, messages: list) -> None:
    if messages:
        _write_messages(path, _read_messages(path) + messages)


def known_examples(project_root: Path) -> set[str]:
    """Training and evaluation examples alike: a logged message equal to an evaluation example
    must not become training data, or the promotion gate would grade its own homework."""
    paths = [
        *(project_root / "data" / "nlu").glob("*.yml"),
        *(project_root / "evaluation").rglob("*.yml"),
    ]
    return {text_key(message.get("text")) for path in paths for message in _read_messages(path)}


def domain_intents(domain: dict) -> set[str]:
    names = set()
    for entry in domain.get("intents") or []:
        names.add(entry if isinstance(entry, str) else next(iter(entry)))
    return names


def _add_to_domain(yaml: YAML, domain_path: Path, domain: dict, intent: str, answer: str) -> None:
    domain["intents"].append(intent)
    domain.setdefault("responses", {})[f"utter_{intent}"] = [{"text": answer}]
    with domain_path.open("w") as file:
        yaml.dump(domain, file)


def _write_rule(project_root: Path, intent: str) -> None:
    path = project_root / "data" / "rules" / f"new_{intent}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        'version: "3.1"\n'
        "rules:\n"
        f"  - rule: answer {intent}\n"
        "    steps:\n"
        f"      - intent: {intent}\n"
        f"      - action: utter_{intent}\n"
    )


async def export(session: AsyncSession, project_root: Path) -> ExportResult:
    """Write every labelled, not yet exported annotation into the project; mark them exported."""
    yaml = YAML()  # round-trip: comments and layout of domain.yml survive
    yaml.preserve_quotes = True
    domain_path = project_root / "domain.yml"
    domain = yaml.load(domain_path.read_text())
    known_intents = domain_intents(domain)
    answers = {row.name: row.response_text for row in await session.scalars(select(NluNewIntent))}
    pending = list(
        await session.scalars(
            select(NluAnnotation)
            .where(NluAnnotation.status == "labelled")
            .order_by(NluAnnotation.annotated_at, NluAnnotation.id)
        )
    )
    unknown = {a.intent for a in pending} - known_intents - set(answers)
    if unknown:
        raise ValueError(
            f"new intents need an answer before export (create them first): {sorted(unknown)}"
        )

    result = ExportResult()
    seen = known_examples(project_root)
    by_intent: dict[str, list[NluAnnotation]] = defaultdict(list)
    for annotation in pending:
        key = text_key(annotation.example_text)
        if key in seen:
            result.skipped_duplicates += 1
        else:
            seen.add(key)
            by_intent[annotation.intent].append(annotation)

    existing_messages = []
    for intent, labelled in sorted(by_intent.items()):
        messages = [_message(a) for a in labelled]
        if intent in known_intents:
            existing_messages += messages
            result.added[intent] = len(messages)
            continue
        held = messages[HOLD_BACK_EVERY - 1 :: HOLD_BACK_EVERY]
        train = [m for m in messages if not any(m is h for h in held)]
        _append(project_root / "data" / "nlu" / f"new_{intent}.yml", train)
        _append(project_root / "evaluation" / "new_intents" / f"{intent}.yml", held)
        _add_to_domain(yaml, domain_path, domain, intent, answers[intent])
        _write_rule(project_root, intent)
        known_intents.add(intent)
        result.added[intent], result.held_back[intent] = len(train), len(held)
        result.new_intents.append(intent)
    _append(project_root / "data" / "nlu" / "from_logs.yml", existing_messages)

    now = datetime.now(UTC)
    for annotation in pending:
        annotation.status, annotation.exported_at = "exported", now
    await session.commit()
    return result
