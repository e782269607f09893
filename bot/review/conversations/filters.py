"""The conversation list's filters and paging cursor, parsed from query strings.

Pages, the JSON API and the exports all accept the same parameters; anything malformed raises
:class:`FilterError` with a message fit for a 400 answer, so a typo never silently widens a
filter or an export.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.cxlog.models import OUTCOMES

MAX_SEARCH_CHARS = 200
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
INTENT_NAME = re.compile(r"^[A-Za-z0-9_./-]{1,100}$")
TAG_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
YES_NO = {"yes": True, "no": False}
CURSOR = re.compile(r"^(\d{1,17})-(\d{1,18})$")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class FilterError(ValueError):
    """A query parameter that cannot be used; the message names it."""


@dataclass(frozen=True)
class ConversationFilter:
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    intent: str | None = None  # any customer message had this intent
    outcome: str | None = None
    csat: int | None = None
    had_fallback: bool | None = None
    had_handoff: bool | None = None
    tag: str | None = None
    text: str | None = None  # full-text search over the (redacted) customer messages

    @property
    def started_from(self) -> datetime | None:
        return datetime.combine(self.date_from, time(), UTC) if self.date_from else None

    @property
    def started_before(self) -> datetime | None:
        """The first moment after ``date_to`` (UTC days)."""
        if self.date_to is None:
            return None
        return datetime.combine(self.date_to + timedelta(days=1), time(), UTC)

    def as_query(self) -> dict[str, str]:
        """The query parameters that give this filter back (for paging and export links)."""
        values = {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "intent": self.intent,
            "outcome": self.outcome,
            "csat": str(self.csat) if self.csat is not None else None,
            "fallback": _yes_no(self.had_fallback),
            "handoff": _yes_no(self.had_handoff),
            "tag": self.tag,
            "q": self.text,
        }
        return {key: value for key, value in values.items() if value}


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _date(query: Mapping[str, str], name: str) -> date | None:
    raw = query.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FilterError(f"{name} must be a date like 2026-01-31, got {raw!r}") from None


def parse_date_range(query: Mapping[str, str]) -> tuple[date | None, date | None]:
    date_from, date_to = _date(query, "from"), _date(query, "to")
    if date_from and date_to and date_from > date_to:
        raise FilterError("from must not be after to")
    return date_from, date_to


def _choice(query: Mapping[str, str], name: str, pattern: re.Pattern[str], what: str) -> str | None:
    raw = query.get(name, "").strip()
    if not raw:
        return None
    if not pattern.fullmatch(raw):
        raise FilterError(f"{name} must be {what}, got {raw[:60]!r}")
    return raw


def _flag(query: Mapping[str, str], name: str) -> bool | None:
    raw = query.get(name, "").strip().lower()
    if not raw:
        return None
    if raw not in YES_NO:
        raise FilterError(f"{name} must be yes or no, got {raw[:20]!r}")
    return YES_NO[raw]


def _csat(query: Mapping[str, str]) -> int | None:
    raw = query.get("csat", "").strip()
    if not raw:
        return None
    if raw not in {"1", "2", "3", "4", "5"}:
        raise FilterError(f"csat must be a score from 1 to 5, got {raw[:20]!r}")
    return int(raw)


def _outcome(query: Mapping[str, str]) -> str | None:
    raw = query.get("outcome", "").strip()
    if not raw:
        return None
    if raw not in OUTCOMES:
        raise FilterError(f"outcome must be one of {', '.join(OUTCOMES)}, got {raw[:30]!r}")
    return raw


def _text(query: Mapping[str, str]) -> str | None:
    raw = " ".join(query.get("q", "").split())
    if len(raw) > MAX_SEARCH_CHARS:
        raise FilterError(f"q (search) must have at most {MAX_SEARCH_CHARS} characters")
    return raw or None


def parse_filter(query: Mapping[str, str]) -> ConversationFilter:
    date_from, date_to = parse_date_range(query)
    return ConversationFilter(
        date_from=date_from,
        date_to=date_to,
        intent=_choice(query, "intent", INTENT_NAME, "an intent name"),
        outcome=_outcome(query),
        csat=_csat(query),
        had_fallback=_flag(query, "fallback"),
        had_handoff=_flag(query, "handoff"),
        tag=_choice(query, "tag", TAG_NAME, "a tag (a-z, 0-9, - and _)"),
        text=_text(query),
    )


def parse_limit(query: Mapping[str, str]) -> int:
    raw = query.get("limit", "").strip()
    if not raw:
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise FilterError(f"limit must be a number from 1 to {MAX_PAGE_SIZE}")
    return int(raw)


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after this (started_at, id) in newest-first order.

    Encoded as ``<microseconds since 1970 UTC>-<id>``: exact, and safe in a URL as it is.
    """

    started_at: datetime
    conversation_id: int

    def encode(self) -> str:
        micros = (self.started_at - EPOCH) // timedelta(microseconds=1)
        return f"{micros}-{self.conversation_id}"


def parse_cursor(query: Mapping[str, str]) -> Cursor | None:
    raw = query.get("after", "").strip()
    if not raw:
        return None
    match = CURSOR.fullmatch(raw)
    if match is None:
        raise FilterError("after must be a cursor from a previous page")
    started_at = EPOCH + timedelta(microseconds=int(match.group(1)))
    return Cursor(started_at, int(match.group(2)))
