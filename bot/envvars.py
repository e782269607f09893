"""Settings declared once: each field of a settings dataclass names its environment variable,
its parser, its default and its help in one place (``setting(...)``), and :func:`load` reads
them all. The Rasa-side services (``bot.settings``) and the action server (``actions.settings``)
both declare theirs with it, and a test holds the README's configuration table against
:func:`declared`, so a default can no longer differ between the code, the docs and a test.

A malformed value stops the process at start with the variable's name, not mid-conversation.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

Parser = Callable[[str, str], Any]  # (variable name, raw text) -> value, or ValueError
Derive = Callable[[Mapping[str, Any]], Any]  # the values read so far -> this default
T = TypeVar("T")
_META = "envvar"


@dataclass(frozen=True)
class EnvVar:
    """One variable: what the README documents and what :func:`load` reads."""

    name: str
    parse: Parser
    help: str
    shown: str  # the default as the README writes it
    derive: Derive | None = None
    empty_is_value: bool = False  # set but empty means "none", not "the default"


def setting(
    name: str,
    default: Any = None,
    *,
    help: str,  # noqa: A002 (the word the README uses)
    parse: Parser | None = None,
    shown: str | None = None,
    derive: Derive | None = None,
    default_factory: Callable[[], Any] | None = None,
    empty_is_value: bool = False,
) -> Any:
    """A dataclass field read from ``name``; ``derive`` computes the default from the fields
    declared before it (``BACKEND_URL`` from ``BOT_HOST`` and ``BACKEND_PORT``)."""
    if parse is None:
        parse = text
    if shown is None:
        shown = _show(default)
    var = EnvVar(name, parse, help, shown, derive, empty_is_value)
    if default_factory is not None:
        return dataclasses.field(default_factory=default_factory, metadata={_META: var})
    return dataclasses.field(default=default, metadata={_META: var})


def _show(value: Any) -> str:
    if isinstance(value, tuple | frozenset | list):
        return ",".join(str(item) for item in value) or "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or value == "":
        return "empty"
    return str(value)


def declared(cls: type) -> list[EnvVar]:
    return [f.metadata[_META] for f in dataclasses.fields(cls) if _META in f.metadata]


def load(cls: type[T], environ: Mapping[str, str] | None = None) -> T:
    """Build ``cls`` from the environment: unset or empty variables keep their default."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        var = field.metadata.get(_META)
        if var is None:
            continue
        raw = environ.get(var.name)
        if raw is not None and (raw.strip() != "" or var.empty_is_value):
            values[field.name] = var.parse(var.name, raw)
        elif var.derive is not None:
            values[field.name] = var.derive(values)
        elif field.default_factory is not dataclasses.MISSING:
            values[field.name] = field.default_factory()
        else:
            values[field.name] = field.default
    return cls(**values)


# --- parsers ------------------------------------------------------------------------------


def text(_name: str, raw: str) -> str:
    return raw.strip()


def secret(_name: str, raw: str) -> str:
    return raw  # kept byte for byte: a secret may end in whitespace


def path(_name: str, raw: str) -> Path:
    return Path(raw.strip())


def items(_name: str, raw: str) -> tuple[str, ...]:
    """Comma-separated words; empty parts dropped."""
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def flag(name: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"environment variable {name} must be true or false, got {raw!r}")


def integer(minimum: int | None = None) -> Parser:
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError as exc:
            raise ValueError(
                f"environment variable {name} must be an integer, got {raw!r}"
            ) from exc
        if minimum is not None and value < minimum:
            raise ValueError(f"environment variable {name} must be >= {minimum}, got {raw!r}")
        return value

    return parse


def number(*, positive: bool = False) -> Parser:
    """A float >= 0 (> 0 with ``positive``); NaN and infinities are refused."""

    def parse(name: str, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError as exc:
            raise ValueError(f"environment variable {name} must be a number, got {raw!r}") from exc
        if not (0 < value < float("inf") if positive else 0 <= value < float("inf")):
            bound = "> 0" if positive else ">= 0"
            raise ValueError(f"environment variable {name} must be {bound}, got {raw!r}")
        return value

    return parse


def ports(name: str, raw: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise ValueError(f"{name} must be comma-separated ports, got {raw!r}") from exc
