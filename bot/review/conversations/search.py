"""Full-text search over the redacted customer messages, through the indexes the CX log's first
migration built: SQLite's FTS5 table ``turns_fts`` and Postgres's GIN index on
``to_tsvector('simple', coalesce(user_text, ''))``.

Only word characters of the search reach the query, each as a prefix ("refund" finds "refunds"),
all required; FTS syntax typed by a user (quotes, NEAR, column filters) is never interpreted.
"""

from __future__ import annotations

import re

from sqlalchemy import Integer, select, text
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import TextualSelect

from bot.cxlog.models import Conversation, Turn

MAX_WORDS = 10
WORD = re.compile(r"\w+")


def search_words(query: str) -> list[str]:
    return WORD.findall(query.lower())[:MAX_WORDS]


def _sqlite_match(words: list[str]) -> str:
    return " ".join(f'"{word}"*' for word in words)


def _postgres_tsquery(words: list[str]) -> str:
    return " & ".join(f"{word}:*" for word in words)


def matching_turn_ids(words: list[str], dialect: str) -> TextualSelect | Select:
    """A subquery of the ids of turns whose customer text has all ``words``."""
    if dialect == "sqlite":
        return (
            text("SELECT rowid FROM turns_fts WHERE turns_fts MATCH :fts_match")
            .bindparams(fts_match=_sqlite_match(words))
            .columns(rowid=Integer)
        )
    # The expression must be the indexed one, literally, for Postgres to use the GIN index.
    condition = text(
        "to_tsvector('simple', coalesce(turns.user_text, '')) @@ to_tsquery('simple', :fts_query)"
    ).bindparams(fts_query=_postgres_tsquery(words))
    return select(Turn.id).where(condition)


def text_condition(query: str, dialect: str) -> ColumnElement:
    """Conversations with a customer message matching ``query`` (nothing if it has no words)."""
    words = search_words(query)
    if not words:
        return Conversation.id.is_(None)
    turns = select(Turn.conversation_id).where(Turn.id.in_(matching_turn_ids(words, dialect)))
    return Conversation.id.in_(turns)
