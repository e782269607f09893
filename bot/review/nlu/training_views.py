"""The training page and its JSON API: export labels into the project, train a candidate in the
background, compare it with the live model, promote it (admin) or roll back (admin).

Training and comparison run as ``python -m bot nlu train-candidate|compare`` in a child process,
one job at a time; the page polls ``GET /api/nlu/training`` for their progress.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cxlog.database import in_session
from bot.review.auth.security import requires
from bot.review.common.pages import render
from bot.review.common.roles import Role
from bot.review.common.state import db, signed_in, state
from bot.review.nlu.jobs import Busy
from bot.review.nlu.live_views import learned_by, rolled_back_data
from bot.review.nlu.models import (
    child_environment,
    comparison,
    find_candidate,
    nlu_command,
    training_job,
)
from bot.review.nlu.payloads import MAX_TEXTS, optional_int, read_json, string_field
from bot.review.nlu.state import nlu_state
from bot.settings import PROJECT_ROOT, Settings
from bot.training.export import export, plan_export
from bot.training.models import NluAnnotation
from bot.training.promote import promote, rollback
from bot.training.store import JobState, ModelStore

routes = web.RouteTableDef()

MAX_EPOCHS = 1000


def _settings(request: web.Request) -> Settings:
    return state(request).settings


async def _pending_labels(request: web.Request) -> int:
    async with db(request) as session:
        query = select(func.count()).where(NluAnnotation.status == "labelled")
        return await session.scalar(query) or 0


async def training_status(request: web.Request) -> dict[str, Any]:
    settings, nlu = _settings(request), nlu_state(request)
    store = ModelStore.of(settings)
    candidate = find_candidate(store, None)
    compared = comparison(store, candidate) if candidate else None
    record = store.live() if store.current.exists() else {}
    rolled_back = record.get("current", {}).get("how") == "rolled back"
    admin = signed_in(request).may(Role.ADMIN)
    live = candidate is not None and store.is_live(candidate)
    if compared is not None:
        # the comparison of the model that was just promoted stays valid
        compared["current"] = live or store.decision_is_current(candidate)
    idle = not nlu.runner.busy and not nlu.model_lock.locked()
    return {
        "job": nlu.runner.report.as_dict(),
        "training": training_job(store),
        "candidate": candidate.name if candidate else None,
        "candidate_is_live": live,
        "comparison": compared,
        "pending_labels": await _pending_labels(request),
        "live_model": store.current.exists(),
        "live": record,
        # A rollback is undone by promoting again, not by a second rollback.
        "rollback_available": store.previous.exists() and not rolled_back,
        "rollback_forgets": [] if rolled_back else learned_by(settings, record.get("current")),
        "rolled_back_data": await rolled_back_data(request, record),
        "may_promote": admin,
        "can_promote": bool(
            admin and idle and compared and compared["promote"] and compared["current"] and not live
        ),
    }


@routes.get("/nlu/training")
@requires(Role.ANNOTATOR)
async def training_page(request: web.Request) -> web.Response:
    return render(request, "nlu/training.html", {"may_promote": signed_in(request).may(Role.ADMIN)})


@routes.get("/api/nlu/training")
@requires(Role.ANNOTATOR)
async def training_api(request: web.Request) -> web.Response:
    return web.json_response(await training_status(request))


def _in_worker(settings: Settings, work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    """Export and its preview parse every training file with Rasa's reader: in a worker thread
    with its own event loop and engine, so the app keeps answering meanwhile."""

    return asyncio.run(in_session(settings.cx_database_url, work))


def _selection(body: dict[str, Any]) -> list[int]:
    ids = body.get("ids")
    if (
        not isinstance(ids, list)
        or not ids
        or len(ids) > MAX_TEXTS
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
    ):
        raise web.HTTPBadRequest(text=f"ids must be a list of 1-{MAX_TEXTS} labelled message ids")
    return list(dict.fromkeys(ids))


def _refuse_while_busy(request: web.Request) -> None:
    nlu = nlu_state(request)
    if nlu.runner.busy:
        raise web.HTTPConflict(text=f"wait for the running {nlu.runner.report.kind} job to finish")
    if nlu.model_lock.locked():
        raise web.HTTPConflict(text="a promotion or rollback is in progress")


@routes.post("/api/nlu/export/preview")
@requires(Role.ANNOTATOR)
async def export_preview_api(request: web.Request) -> web.Response:
    """``{"ids"?: [...]}`` (default: every labelled message): what an export of them would write,
    who labelled each message, which are skipped and why, and the diff of domain.yml."""
    body = await read_json(request, optional=frozenset({"ids"}))
    selection = _selection(body) if "ids" in body else None
    settings = _settings(request)
    try:
        plan, _ = await asyncio.to_thread(
            _in_worker, settings, lambda s: plan_export(s, settings.project_dir, selection)
        )
    except ValueError as error:
        raise web.HTTPBadRequest(text=str(error)) from None
    return web.json_response(plan.preview())


@routes.post("/api/nlu/export")
@requires(Role.ANNOTATOR)
async def export_api(request: web.Request) -> web.Response:
    """``{"ids": [...]}``: write the selected labelled messages into data/nlu (and new intents
    into domain.yml and rules); other people's labels stay where they are."""
    selection = _selection(await read_json(request, required=frozenset({"ids"})))
    settings, nlu = _settings(request), nlu_state(request)
    if nlu.runner.busy and nlu.runner.report.kind == "train":
        raise web.HTTPConflict(text="a candidate is training on the data; export after it ends")
    if nlu.export_lock.locked():
        raise web.HTTPConflict(text="an export is already running")
    async with nlu.export_lock:
        try:
            result = await asyncio.to_thread(
                _in_worker, settings, lambda s: export(s, settings.project_dir, selection)
            )
        except ValueError as error:
            raise web.HTTPBadRequest(text=str(error)) from None
    return web.json_response(asdict(result))


def _training_failed(store: ModelStore, runner_error: str) -> None:
    """A training process that died (or was stopped) never wrote its own failure."""
    state = store.job()
    if state.status == "running":
        state.fail(runner_error)
        store.save_job(state)


@routes.post("/api/nlu/candidates")
@requires(Role.ANNOTATOR)
async def train_api(request: web.Request) -> web.Response:
    """``{"epochs"?: n}``: train a candidate on the project's current data (fewer epochs: a
    quick trial run)."""
    body = await read_json(request, optional=frozenset({"epochs"}))
    epochs = optional_int(body, "epochs", 1, MAX_EPOCHS)
    settings, nlu = _settings(request), nlu_state(request)
    store = ModelStore.of(settings)
    _refuse_while_busy(request)
    if nlu.export_lock.locked():
        raise web.HTTPConflict(text="an export is writing the data; train after it ends")
    arguments = ["train-candidate"] + (["--epochs", str(epochs)] if epochs else [])

    def judge(code: int) -> str:
        error = nlu.runner.failure("train", code)
        if error:
            _training_failed(store, error)
        return error

    # The page shows "starting" until the child takes over the job file.
    store.save_job(JobState.started())
    try:
        await nlu.runner.start(
            "train", nlu_command(*arguments), PROJECT_ROOT, child_environment(settings), judge
        )
    except Busy as busy:
        raise web.HTTPConflict(text=str(busy)) from None
    return web.json_response(await training_status(request), status=202)


def _candidate(store: ModelStore, body: dict[str, Any]) -> Path:
    name = string_field(body, "candidate")
    candidate = find_candidate(store, name)
    if candidate is None:
        if name:
            raise web.HTTPNotFound(text=f"no candidate model {name!r}")
        raise web.HTTPConflict(text="no candidate yet: train one first")
    return candidate


@routes.post("/api/nlu/comparisons")
@requires(Role.ANNOTATOR)
async def compare_api(request: web.Request) -> web.Response:
    """``{"candidate"?: file name}`` (default: the newest): score it and the live model on the
    fixed evaluation set, in the background; the gate decision appears in the status."""
    body = await read_json(request, optional=frozenset({"candidate"}))
    settings, nlu = _settings(request), nlu_state(request)
    store = ModelStore.of(settings)
    candidate = _candidate(store, body)
    if not store.current.exists():
        raise web.HTTPConflict(text="there is no live model to compare with")
    _refuse_while_busy(request)
    started = time.time()

    def judge(code: int) -> str:
        # `nlu compare` exits 1 both when the gate refuses and when it crashes: the fresh
        # decision file tells them apart.
        decided = store.decided_at(candidate)
        if decided is not None and decided >= started - 1:
            return ""
        return nlu.runner.failure("compare", code) or "the comparison wrote no decision"

    try:
        await nlu.runner.start(
            "compare",
            nlu_command("compare", str(candidate.resolve())),
            PROJECT_ROOT,
            child_environment(settings),
            judge,
        )
    except Busy as busy:
        raise web.HTTPConflict(text=str(busy)) from None
    return web.json_response(await training_status(request), status=202)


async def _swap(change: Coroutine[Any, Any, list[str]]) -> list[str]:
    """Run a promotion or rollback (model file copies, then Rasa's HTTP API) in a worker thread
    with its own event loop: copying a large model must not stall everyone's pages."""
    try:
        return await asyncio.to_thread(asyncio.run, change)
    except FileNotFoundError as error:
        raise web.HTTPConflict(text=str(error)) from None
    except (OSError, RuntimeError, aiohttp.ClientError, TimeoutError) as error:
        raise web.HTTPBadGateway(text=f"the model swap failed: {error}") from None


@routes.post("/api/nlu/promotions")
@requires(Role.ADMIN)
async def promote_api(request: web.Request) -> web.Response:
    """``{"candidate"?: file name}``: hot-swap a candidate that passed the gate into Rasa."""
    body = await read_json(request, optional=frozenset({"candidate"}))
    settings, nlu = _settings(request), nlu_state(request)
    store = ModelStore.of(settings)
    candidate = _candidate(store, body)
    _refuse_while_busy(request)
    async with nlu.model_lock:
        if not store.gate_passed(candidate) or not store.decision_is_current(candidate):
            raise web.HTTPConflict(
                text=f"{candidate.name} has not passed a comparison with the live model"
            )
        if store.is_live(candidate):
            raise web.HTTPConflict(text=f"{candidate.name} is already live")
        ids = await _swap(
            promote(
                store, candidate, settings.rasa_nodes, settings.rasa_auth_token,
                by=signed_in(request).username,
            )
        )  # fmt: skip
    return web.json_response({"promoted": candidate.name, "model_ids": ids})


@routes.post("/api/nlu/rollbacks")
@requires(Role.ADMIN)
async def rollback_api(request: web.Request) -> web.Response:
    """Reload the model the last promotion replaced; once: promoting again undoes it."""
    await read_json(request)
    settings, nlu = _settings(request), nlu_state(request)
    _refuse_while_busy(request)
    async with nlu.model_lock:
        store = ModelStore.of(settings)
        if store.live().get("current", {}).get("how") == "rolled back":
            # checked here too: _swap would report the refusal as a failed swap
            raise web.HTTPConflict(text="already rolled back: promote a model to change it again")
        ids = await _swap(
            rollback(
                store, settings.rasa_nodes, settings.rasa_auth_token,
                by=signed_in(request).username,
            )
        )  # fmt: skip
    return web.json_response({"rolled_back": True, "model_ids": ids})
