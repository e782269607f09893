"""Intent discovery: clusters of open inbox messages as candidate intents. Turning a cluster into
an intent is ``POST /api/nlu/intents`` with the cluster's (reviewed) messages."""

from __future__ import annotations

import asyncio
from dataclasses import asdict

from aiohttp import web

from bot.review.auth.security import requires
from bot.review.common.pages import render
from bot.review.common.roles import Role
from bot.review.common.state import db
from bot.review.nlu.state import nlu_state
from bot.training.discovery import Cluster, discover
from bot.training.inbox import inbox_items

routes = web.RouteTableDef()

# Clustering compares every pair of messages: the most frequent open messages are the ones worth
# an intent anyway.
MAX_MESSAGES = 500
MAX_CLUSTERS = 30


def _min_size(request: web.Request) -> int:
    raw = request.query.get("min_size", "3")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 4) or not 2 <= int(raw) <= 1000:
        raise web.HTTPBadRequest(text="min_size must be a whole number from 2 to 1000")
    return int(raw)


async def _clusters(request: web.Request, min_size: int) -> list[Cluster]:
    surfacing = await nlu_state(request).surfacing.get()
    async with db(request) as session:
        items = await inbox_items(session, surfacing=surfacing)
    # The encoder and scikit-learn are CPU-bound: keep the event loop serving other people.
    clusters = await asyncio.to_thread(
        discover, items[:MAX_MESSAGES], min_size=min_size, embedder=surfacing.embedder
    )
    return clusters[:MAX_CLUSTERS]


@routes.get("/nlu/discovery")
@requires(Role.ANNOTATOR)
async def discovery_page(request: web.Request) -> web.Response:
    min_size = _min_size(request)
    clusters = await _clusters(request, min_size)
    return render(request, "nlu/discovery.html", {"clusters": clusters, "min_size": min_size})


@routes.get("/api/nlu/clusters")
@requires(Role.ANNOTATOR)
async def clusters_api(request: web.Request) -> web.Response:
    clusters = await _clusters(request, _min_size(request))
    return web.json_response({"clusters": [asdict(cluster) for cluster in clusters]})
