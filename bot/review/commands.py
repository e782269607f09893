"""``python -m bot users add <name> --role admin [--display-name "Sam"]``.

``python -m bot review serve`` is bot/cli.py's own: it runs :func:`bot.web.serve`, the web process
composed above this package.

Every ``python -m bot`` call builds these parsers, so the app and the database code are imported
only when a command runs.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from datetime import UTC, datetime

from bot.review.common.roles import Role
from bot.settings import Settings, load_settings


def _fail(message: str) -> int:
    print(f"review: {message}", file=sys.stderr, flush=True)
    return 2


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Repeat it: ") != password:
        raise ValueError("the passwords differ")
    return password


async def _add_user(
    settings: Settings, username: str, password: str, role: Role, display_name: str | None
) -> str:
    from bot.cxlog.database import create_engine, session_factory
    from bot.review.auth.users import create_user

    engine = create_engine(settings.cx_database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            user = await create_user(
                session, username, password, role, datetime.now(UTC), display_name
            )
            return user.username
    finally:
        await engine.dispose()


def add_user(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cxlog.migrate import upgrade

    try:
        role = Role.parse(args.role)
        password = _read_password(args.password_stdin)
        upgrade(settings.cx_database_url)
        name = asyncio.run(_add_user(settings, args.username, password, role, args.display_name))
    except ValueError as error:  # UserError included
        return _fail(str(error))
    print(f"review: user {name!r} ({role.label}) created", flush=True)
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """The ``users`` command, for bot/cli.py."""
    users = commands.add_parser("users", help="review app accounts")
    users_commands = users.add_subparsers(dest="users_command", required=True)
    add = users_commands.add_parser("add", help="create an account (prompts for the password)")
    add.add_argument("username")
    add.add_argument(
        "--role", default=Role.VIEWER.label, choices=[role.label for role in Role], help="role"
    )
    add.add_argument(
        "--display-name", help="what customers read when this agent answers (default: username)"
    )
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    users.set_defaults(handler=lambda args: add_user(load_settings(), args))
