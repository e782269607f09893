"""``setup_nlu(app, settings)``: the NLU inbox, intent discovery and training pages in the review
app (role annotator or above; promote and rollback need admin)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp_jinja2
from aiohttp import web

from bot.review.common.pages import add_nav_link
from bot.review.common.roles import Role
from bot.review.nlu import discovery_views, inbox_views, live_views, training_views
from bot.review.nlu.jobs import JobRunner
from bot.review.nlu.state import NLU, NluState
from bot.settings import Settings
from bot.training.store import ModelStore
from bot.training.surfacing import SurfacingCache


async def _stop_jobs(app: web.Application) -> AsyncIterator[None]:
    """A training must not outlive the app that started it (nobody could follow or stop it)."""
    yield
    await app[NLU].runner.stop()


def setup_nlu(app: web.Application, settings: Settings) -> None:
    app[NLU] = NluState(
        runner=JobRunner(ModelStore.of(settings).training_dir), surfacing=SurfacingCache(settings)
    )
    add_nav_link(app, "/nlu", "NLU", Role.ANNOTATOR)
    # Lets the transcript page show its "send to NLU inbox" buttons only when this is installed.
    aiohttp_jinja2.get_env(app).globals["nlu_inbox"] = True
    for views in (inbox_views, discovery_views, training_views, live_views):
        app.add_routes(views.routes)
    app.cleanup_ctx.append(_stop_jobs)
