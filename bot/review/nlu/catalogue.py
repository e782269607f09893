"""What an annotator may choose from: the project's intents and entity types, plus the intents
created in the inbox (which reach domain.yml only at the next export)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.nlu.clauses import ALSO_REQUESTED
from bot.training.export import domain_intents
from bot.training.models import NluNewIntent

# Rasa's own label for "not understood": a message is never trained as that.
NOT_A_LABEL = frozenset({"nlu_fallback"})
# Entity types no extractor learns: the second request of a message is read, not tagged.
NOT_MARKED = frozenset({ALSO_REQUESTED})


@dataclass(frozen=True)
class Catalogue:
    domain_intents: frozenset[str]
    new_intents: dict[str, str]  # name -> the answer the bot will give
    entities: tuple[str, ...]

    @property
    def intents(self) -> list[str]:
        return sorted((self.domain_intents | set(self.new_intents)) - NOT_A_LABEL)


def _entity_names(domain: dict) -> tuple[str, ...]:
    names = {
        entry if isinstance(entry, str) else next(iter(entry))
        for entry in domain.get("entities") or []
    }
    return tuple(sorted(names - NOT_MARKED))


def read_domain(project_dir: Path) -> dict:
    return yaml.safe_load((project_dir / "domain.yml").read_text()) or {}


async def load_catalogue(session: AsyncSession, project_dir: Path) -> Catalogue:
    """Read domain.yml fresh each time: an export adds intents to it while the app runs."""
    domain = read_domain(project_dir)
    rows = await session.scalars(select(NluNewIntent).order_by(NluNewIntent.name))
    return Catalogue(
        domain_intents=frozenset(domain_intents(domain)),
        new_intents={row.name: row.response_text for row in rows},
        entities=_entity_names(domain),
    )
