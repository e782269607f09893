"""Take a learned intent out of the project again, after the model that learned it was rolled back.

A rollback changes only the model; the intent's examples, rule and domain lines stay in the
project, so the next training would learn the intent again. The reviewer decides: keep them, or
remove them here. Removal undoes exactly what export wrote (:mod:`bot.training.export`), and the
intent's annotations go back to "labelled", so no labelling work is lost and a later export can
bring the intent back.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.training.domain_edit import remove_intent
from bot.training.export import FROM_LOGS, read_messages, write_messages
from bot.training.models import NluAnnotation


def remove_learned_intent(project_root: Path, intent: str) -> list[str]:
    """Delete the intent's files, its examples in from_logs.yml and its domain lines; return the
    project-relative files changed."""
    changed = []
    for relative in (
        f"data/nlu/new_{intent}.yml",
        f"data/rules/new_{intent}.yml",
        f"evaluation/new_intents/{intent}.yml",
    ):
        path = project_root / relative
        if path.exists():
            path.unlink()
            changed.append(relative)
    from_logs = project_root / FROM_LOGS
    messages = read_messages(from_logs)
    kept = [message for message in messages if message.get("intent") != intent]
    if len(kept) != len(messages):
        if kept:
            write_messages(from_logs, kept)
        else:
            from_logs.unlink()
        changed.append(FROM_LOGS)
    domain = project_root / "domain.yml"
    before = domain.read_text()
    after = remove_intent(before, intent)
    if after != before:
        domain.write_text(after)
        changed.append("domain.yml")
    return changed


async def reopen_labels(session: AsyncSession, intent: str) -> int:
    """The intent's exported annotations wait for export again; return how many."""
    rows = list(
        await session.scalars(
            select(NluAnnotation).where(
                NluAnnotation.intent == intent, NluAnnotation.status == "exported"
            )
        )
    )
    for row in rows:
        row.status, row.exported_at = "labelled", None
    await session.commit()
    return len(rows)
