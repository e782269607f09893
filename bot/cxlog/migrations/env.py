"""Alembic environment for the CX log store (bot/migrations_toolkit.py). Invoked by
bot.cxlog.migrate.

The version table has its own name so the CX store may share a Postgres database with the
tracker store or the reference backend without their migration histories colliding.
"""

from __future__ import annotations

from bot.cxlog.database import create_engine
from bot.cxlog.migrate import VERSION_TABLE, serialise_migrations
from bot.cxlog.models import metadata
from bot.migrations_toolkit import run_env

run_env(create_engine, metadata, version_table=VERSION_TABLE, before_migrating=serialise_migrations)
