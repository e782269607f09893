"""Export the labelled inbox messages a reviewer selected into the Rasa project, ready to train.

- Examples of intents the assistant already knows go to ``data/nlu/from_logs.yml``.
- A new intent gets its own ``data/nlu/new_<intent>.yml``, one ``- <intent>`` line and an
  ``utter_<intent>`` response (the answer given when it was created) in ``domain.yml``
  (:mod:`bot.training.domain_edit`: text edits, so the diff is only those lines), and a rule
  ``data/rules/new_<intent>.yml`` so the assistant answers it. Every fifth example of a new
  intent is held back in ``evaluation/new_intents/<intent>.yml`` for the promotion gate.
- Skipped: messages already in the training or evaluation data (same normalised text), texts that
  are nothing but redaction placeholders, and texts redaction damaged (a placeholder glued into a
  word, or a marked detail whose value redaction replaced): the model would learn ``[EMAIL]``
  where customers write addresses.
- Only the selected annotations go: several people label at once, and each exports what they
  reviewed. :func:`plan_export` computes the same outcome without writing, for the preview.
Only the redacted text of the CX log is exported. ``rasa data validate`` accepts the result.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.training.domain_edit import add_intent
from bot.training.inbox import text_key
from bot.training.models import NluAnnotation, NluNewIntent
from bot.training.novelty import PLACEHOLDER, only_placeholders

HOLD_BACK_EVERY = 5
FROM_LOGS = "data/nlu/from_logs.yml"
DUPLICATE = "already in the training or test data"
PLACEHOLDERS_ONLY = "nothing but hidden personal data"
DAMAGED = "hiding personal data damaged it"
GLUED_PLACEHOLDER = re.compile(rf"\w(?:{PLACEHOLDER.pattern})|(?:{PLACEHOLDER.pattern})\w")


@dataclass
class ExportResult:
    added: dict[str, int] = field(default_factory=dict)  # intent -> examples written
    held_back: dict[str, int] = field(default_factory=dict)
    skipped_duplicates: int = 0
    skipped_redacted: int = 0
    new_intents: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PlannedExample:
    """One selected annotation and where it goes (``skipped`` says why it goes nowhere)."""

    id: int
    text: str
    intent: str
    labelled_by: str
    labelled_at: str
    goes_to: str = ""  # project-relative file
    skipped: str = ""


@dataclass
class ExportPlan:
    examples: list[PlannedExample]
    new_intents: list[str]
    domain_before: str
    domain_after: str
    rules: dict[str, str]  # project-relative path -> content

    def domain_diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.domain_before.splitlines(keepends=True),
                self.domain_after.splitlines(keepends=True),
                "domain.yml",
                "domain.yml",
            )
        )

    def preview(self) -> dict:
        """What the reviewer reads before exporting: each message, who labelled it, where it
        goes or why not, and the exact change to domain.yml."""
        return {
            "examples": [example.__dict__ for example in self.examples],
            "new_intents": self.new_intents,
            "domain_diff": self.domain_diff(),
            "new_files": sorted({e.goes_to for e in self.examples if e.goes_to} | set(self.rules)),
        }


def redaction_problem(text: str, entities: list[dict]) -> str:
    """Why a redacted text must not become training data, or ``""``."""
    if only_placeholders(text):
        return PLACEHOLDERS_ONLY
    if GLUED_PLACEHOLDER.search(text):
        return DAMAGED
    for found in PLACEHOLDER.finditer(text):
        if any(e["start"] < found.end() and found.start() < e["end"] for e in entities):
            return DAMAGED
    return ""


def read_messages(path: Path) -> list:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    return list(RasaYAMLReader().read(str(path)).training_examples) if path.exists() else []


def write_messages(path: Path, messages: list) -> None:
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


def known_examples(project_root: Path) -> set[str]:
    """Training and evaluation examples alike: a logged message equal to an evaluation example
    must not become training data, or the promotion gate would grade its own homework."""
    paths = [
        *(project_root / "data" / "nlu").glob("*.yml"),
        *(project_root / "evaluation").rglob("*.yml"),
    ]
    return {text_key(message.get("text")) for path in paths for message in read_messages(path)}


def domain_intents(domain: dict) -> set[str]:
    names = set()
    for entry in domain.get("intents") or []:
        names.add(entry if isinstance(entry, str) else next(iter(entry)))
    return names


def rule_text(intent: str) -> str:
    return (
        'version: "3.1"\n'
        "rules:\n"
        f"  - rule: answer {intent}\n"
        "    steps:\n"
        f"      - intent: {intent}\n"
        f"      - action: utter_{intent}\n"
    )


async def _selected(
    session: AsyncSession, selection: Collection[int] | None
) -> list[NluAnnotation]:
    query = select(NluAnnotation).where(NluAnnotation.status == "labelled")
    if selection is not None:
        query = query.where(NluAnnotation.id.in_(list(selection)))
    query = query.order_by(NluAnnotation.annotated_at, NluAnnotation.id)
    found = list(await session.scalars(query))
    if selection is not None and len(found) != len(set(selection)):
        raise ValueError(
            f"{len(set(selection)) - len(found)} of the selected messages no longer wait for "
            "export (exported or relabelled meanwhile): look at the preview again"
        )
    return found


async def plan_export(
    session: AsyncSession, project_root: Path, selection: Collection[int] | None = None
) -> tuple[ExportPlan, list[NluAnnotation]]:
    """Where each selected (default: every) labelled annotation would go; nothing is written."""
    domain_before = (project_root / "domain.yml").read_text()
    known_intents = domain_intents(yaml.safe_load(domain_before))
    answers = {row.name: row.response_text for row in await session.scalars(select(NluNewIntent))}
    pending = await _selected(session, selection)
    unknown = {a.intent for a in pending} - known_intents - set(answers)
    if unknown:
        raise ValueError(
            f"new intents need an answer before export (create them first): {sorted(unknown)}"
        )
    seen = known_examples(project_root)
    counts: dict[str, int] = {}
    examples, new_intents, domain_after = [], [], domain_before
    for annotation in pending:
        intent, key = annotation.intent, text_key(annotation.example_text)
        skipped = redaction_problem(annotation.example_text, annotation.entities or [])
        if not skipped and key in seen:
            skipped = DUPLICATE
        goes_to = ""
        if not skipped:
            seen.add(key)
            if intent in known_intents:
                goes_to = FROM_LOGS
            else:
                counts[intent] = counts.get(intent, 0) + 1
                held = counts[intent] % HOLD_BACK_EVERY == 0
                goes_to = (
                    f"evaluation/new_intents/{intent}.yml" if held else f"data/nlu/new_{intent}.yml"
                )
                if intent not in new_intents:
                    new_intents.append(intent)
                    domain_after = add_intent(domain_after, intent, answers[intent])
        examples.append(
            PlannedExample(
                id=annotation.id, text=annotation.example_text, intent=intent,
                labelled_by=annotation.annotated_by,
                labelled_at=annotation.annotated_at.isoformat(timespec="seconds"),
                goes_to=goes_to, skipped=skipped,
            )
        )  # fmt: skip
    rules = {f"data/rules/new_{intent}.yml": rule_text(intent) for intent in new_intents}
    plan = ExportPlan(examples, sorted(new_intents), domain_before, domain_after, rules)
    return plan, pending


async def export(
    session: AsyncSession, project_root: Path, selection: Collection[int] | None = None
) -> ExportResult:
    """Write the selected (default: every) labelled annotation into the project and mark it
    exported; skipped duplicates count as exported, redaction-damaged texts become ignored."""
    plan, pending = await plan_export(session, project_root, selection)
    by_id = {annotation.id: annotation for annotation in pending}
    by_file: dict[str, list] = {}
    result = ExportResult(new_intents=plan.new_intents)
    for example in plan.examples:
        if example.goes_to:
            by_file.setdefault(example.goes_to, []).append(_message(by_id[example.id]))
            counts = result.held_back if example.goes_to.startswith("evaluation/") else result.added
            counts[example.intent] = counts.get(example.intent, 0) + 1
        elif example.skipped == DUPLICATE:
            result.skipped_duplicates += 1
        else:
            result.skipped_redacted += 1
    for relative, messages in sorted(by_file.items()):
        path = project_root / relative
        write_messages(path, read_messages(path) + messages)
    for relative, text in plan.rules.items():
        (project_root / relative).parent.mkdir(parents=True, exist_ok=True)
        (project_root / relative).write_text(text)
    if plan.domain_after != plan.domain_before:
        (project_root / "domain.yml").write_text(plan.domain_after)

    now = datetime.now(UTC)
    for example in plan.examples:
        annotation = by_id[example.id]
        damaged = example.skipped and example.skipped != DUPLICATE
        annotation.status = "ignored" if damaged else "exported"
        annotation.exported_at = None if damaged else now
    await session.commit()
    return result
