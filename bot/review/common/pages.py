"""HTML pages: the Jinja environment (autoescaping on), the navigation bar, and ``render``.

Extensions render through the same environment so their pages share ``base.html`` (header,
navigation, sign-out form, CSRF token): call :func:`add_template_dir` with their template folder
and :func:`add_nav_link` for their entry in the navigation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.cxlog.handoff_reasons import reason_in_words
from bot.review.common.definitions import OUTCOME_LABEL, OUTCOME_TEXT
from bot.review.common.roles import Role
from bot.review.common.state import current_user

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class NavLink:
    path: str
    label: str
    role: Role  # the least role that sees the link


NAV_LINKS = web.AppKey("review_nav_links", list[NavLink])


def when(moment: datetime | None) -> str:
    """Times are shown in UTC, the days the filters and the dashboard use."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "—"


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def setup_pages(app: web.Application) -> None:
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(TEMPLATES_DIR)])
    aiohttp_jinja2.setup(
        app,
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        filters={
            "when": when,
            "percent": percent,
            "reason": reason_in_words,
            "outcome_label": lambda outcome: OUTCOME_LABEL.get(outcome, outcome),
            "outcome_help": lambda outcome: OUTCOME_TEXT.get(outcome, ""),
        },
    )
    app[NAV_LINKS] = [
        NavLink("/conversations", "Conversations", Role.VIEWER),
        NavLink("/dashboard", "Dashboard", Role.VIEWER),
        NavLink("/users", "Users", Role.ADMIN),
    ]


def add_template_dir(app: web.Application, directory: Path) -> None:
    """Let ``render`` find an extension's templates (which may ``{% extends "base.html" %}``)."""
    loader = aiohttp_jinja2.get_env(app).loader
    assert isinstance(loader, jinja2.ChoiceLoader)
    loader.loaders.append(jinja2.FileSystemLoader(directory))


def add_nav_link(app: web.Application, path: str, label: str, role: Role) -> None:
    app[NAV_LINKS].append(NavLink(path, label, role))


def render(
    request: web.Request, template: str, context: Mapping[str, Any], status: int = 200
) -> web.Response:
    """Render ``template`` with what every page needs: the user, their CSRF token, the nav."""
    who = current_user(request)
    links = request.config_dict[NAV_LINKS]
    common = {
        "me": who,
        "csrf_token": who.csrf_token if who else "",
        "nav": [link for link in links if who is not None and who.may(link.role)],
        "current_path": request.path,
    }
    return aiohttp_jinja2.render_template(template, request, {**common, **context}, status=status)
