"""First-start preparation for ``make run``: directories, local secrets, databases, seed data."""

from __future__ import annotations

import os

from bot.backend.commands import prepare_database
from bot.cxlog.migrate import upgrade as upgrade_cx_store
from bot.files import prepare_sqlite_file, private_directory
from bot.secrets import ensure_local_secrets, read_env_file
from bot.settings import PROJECT_ROOT, load_settings


def prepare() -> None:
    env_file = PROJECT_ROOT / ".env"
    generated = ensure_local_secrets(env_file)
    if generated:
        print(f"prepare: generated local secrets in .env: {', '.join(generated)}")
    # The services see .env through honcho, which lets it override the environment; prepare
    # must see the same values (a database URL set there, say) before reading the settings.
    os.environ.update(read_env_file(env_file))
    settings = load_settings()
    private_directory(settings.var_dir)
    prepare_database(settings)
    # The CX log store, with the review app's tables (their migrations share its directory).
    upgrade_cx_store(settings.cx_database_url)
    # Rasa creates its tracker database with the default umask; creating it first keeps it 0600.
    prepare_sqlite_file(settings.rasa_tracker_database_url)
