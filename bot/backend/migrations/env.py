"""Alembic environment for the backend (bot/migrations_toolkit.py). Invoked by
bot.backend.migrate."""

from __future__ import annotations

from bot.backend.database import create_engine
from bot.backend.schema import metadata
from bot.migrations_toolkit import run_env

run_env(create_engine, metadata)
