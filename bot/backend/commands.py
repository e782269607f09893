"""``python -m bot backend serve|migrate|seed``: what ``make run`` and operators call.

Every ``python -m bot`` call builds this parser, so the app, aiohttp and the database code are
imported only when a backend command actually runs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import UTC, datetime

from bot.settings import Settings, load_settings


def _fail(message: str) -> int:
    print(f"backend: {message}", file=sys.stderr, flush=True)
    return 2


def serve(settings: Settings) -> int:
    from aiohttp import web

    from bot.backend.app import SchemaNotCurrent, create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        app = create_app(settings)
        web.run_app(
            app,
            host=settings.host,
            port=settings.backend_port,
            print=lambda _: print(
                f"backend: serving on http://{settings.host}:{settings.backend_port}/api/v1",
                flush=True,
            ),
        )
    except (ValueError, SchemaNotCurrent) as exc:
        return _fail(str(exc))
    return 0


def migrate(settings: Settings) -> int:
    from bot.backend.migrate import upgrade

    upgrade(settings.backend_database_url)
    print("backend: database schema is up to date", flush=True)
    return 0


async def seed_database(database_url: str) -> bool:
    from bot.backend.database import create_engine
    from bot.backend.seed import seed_if_empty

    engine = create_engine(database_url)
    try:
        return await seed_if_empty(engine, datetime.now(UTC))
    finally:
        await engine.dispose()


def seed(settings: Settings) -> int:
    loaded = asyncio.run(seed_database(settings.backend_database_url))
    print("backend: seed data loaded" if loaded else "backend: database has data; seed skipped")
    return 0


def prepare_database(settings: Settings) -> None:
    """Migrate, then seed an empty database: the backend half of ``make run``'s preparation."""
    migrate(settings)
    seed(settings)


COMMANDS = {"serve": serve, "migrate": migrate, "seed": seed}


def register(commands: argparse._SubParsersAction) -> None:
    """The ``backend`` command, for bot/cli.py."""
    backend = commands.add_parser("backend", help="reference commerce backend")
    backend.add_argument(
        "backend_command",
        choices=tuple(COMMANDS),
        help="serve the API, migrate its database, or load seed data into an empty database",
    )
    backend.set_defaults(handler=lambda args: COMMANDS[args.backend_command](load_settings()))
