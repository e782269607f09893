"""Live state after a rollback: which intents the rolled-back model had learned, and the
reviewer's choice to keep their examples in the project or remove them (``POST
/api/nlu/rollbacks/data``). A rollback changes only the model; without this choice the next
training would silently learn the rolled-back intent again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from bot.cxlog.database import in_session
from bot.review.auth.security import requires
from bot.review.common.roles import Role
from bot.review.common.state import db, signed_in, state
from bot.review.nlu.catalogue import read_domain
from bot.review.nlu.payloads import read_json, string_field
from bot.review.nlu.state import nlu_state
from bot.settings import Settings
from bot.training.export import domain_intents
from bot.training.models import NluAnnotation
from bot.training.store import ModelStore
from bot.training.unlearn import remove_learned_intent, reopen_labels

routes = web.RouteTableDef()


def learned_by(settings: Settings, entry: dict | None) -> list[str]:
    """The new intents a candidate brought (from its gate decision), for a live.json entry."""
    if not entry:
        return []
    decision = ModelStore.of(settings).decision(Path(entry["model"]))
    return decision.new_intents if decision else []


async def rolled_back_data(request: web.Request, record: dict) -> list[dict[str, Any]]:
    """After a rollback: the intents the rolled-back model had learned whose examples are still
    in the project and nobody decided about yet, with how many examples each."""
    if record.get("current", {}).get("how") != "rolled back":
        return []
    settings = state(request).settings
    in_domain = domain_intents(read_domain(settings.project_dir))
    decided = record.get("data_decisions", {})
    intents = [
        intent
        for intent in learned_by(settings, record.get("previous"))
        if intent in in_domain and intent not in decided
    ]
    async with db(request) as session:
        counts = dict(
            (
                await session.execute(
                    select(NluAnnotation.intent, func.count())
                    .where(NluAnnotation.intent.in_(intents), NluAnnotation.status == "exported")
                    .group_by(NluAnnotation.intent)
                )
            ).all()
        )
    return [{"intent": intent, "examples": counts.get(intent, 0)} for intent in intents]


def _remove_in_worker(settings: Settings, intent: str) -> tuple[list[str], int]:
    """Files, then labels, in a worker thread with its own event loop and engine."""

    changed = remove_learned_intent(settings.project_dir, intent)
    reopened = asyncio.run(in_session(settings.cx_database_url, lambda s: reopen_labels(s, intent)))
    return changed, reopened


@routes.post("/api/nlu/rollbacks/data")
@requires(Role.ADMIN)
async def rolled_back_data_api(request: web.Request) -> web.Response:
    """``{"intent": name, "keep": bool}``: after a rollback, keep the rolled-back intent's
    examples in the project (the next training learns it again) or remove them (its labels wait
    in the inbox again)."""
    body = await read_json(request, required=frozenset({"intent", "keep"}))
    intent, keep = string_field(body, "intent"), body["keep"]
    if not isinstance(keep, bool):
        raise web.HTTPBadRequest(text="keep must be true or false")
    settings, nlu = state(request).settings, nlu_state(request)
    store = ModelStore.of(settings)
    offered = await rolled_back_data(request, store.live())
    if intent not in {entry["intent"] for entry in offered}:
        raise web.HTTPConflict(text=f"{intent!r} is not the data of a rolled-back model")
    if nlu.runner.busy and nlu.runner.report.kind == "train":
        raise web.HTTPConflict(text="a candidate is training on the data; decide after it ends")
    async with nlu.export_lock:
        changed, reopened = (
            ([], 0) if keep else await asyncio.to_thread(_remove_in_worker, settings, intent)
        )
        store.decide_data(intent, keep, signed_in(request).username)
    return web.json_response(
        {"intent": intent, "kept": keep, "changed": changed, "reopened": reopened}
    )
