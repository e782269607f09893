"""The gate's test questions: sentences neither the live model nor the candidate learned from.

Written ones (``evaluation/nlu_holdout.yml``, independent of ``data/nlu/``), held-back examples of
new intents (every fifth, kept aside by export), and customers' own wording: messages labelled
in the NLU inbox but not exported yet, so no model was trained on them.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.training.evaluate import load_examples
from bot.training.export import domain_intents, known_examples
from bot.training.inbox import text_key
from bot.training.models import NluAnnotation


def holdout_examples(project_dir: Path) -> list[tuple[str, str]]:
    """The fixed evaluation set: the project's holdout plus held-back examples of new intents."""
    examples = load_examples(project_dir / "evaluation" / "nlu_holdout.yml")
    for path in sorted((project_dir / "evaluation" / "new_intents").glob("*.yml")):
        examples += load_examples(path)
    return examples


async def live_examples(session: AsyncSession, project_dir: Path) -> list[tuple[str, str]]:
    """Messages labelled in the inbox but never exported, so neither model learned them: real
    customers' wording, held back for the gate. Only intents the project's domain has, and none
    already among the training or test examples."""
    labels = domain_intents(yaml.safe_load((project_dir / "domain.yml").read_text()))
    known = known_examples(project_dir)
    rows = await session.scalars(
        select(NluAnnotation)
        .where(NluAnnotation.status == "labelled")
        .order_by(NluAnnotation.annotated_at, NluAnnotation.id)
    )
    return [
        (row.example_text, row.intent)
        for row in rows
        if row.intent.split("/")[0] in labels and text_key(row.example_text) not in known
    ]
