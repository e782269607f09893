"""What the NLU pages keep for the app's lifetime: the one background job, and locks so two
clicks never export, promote or roll back at the same time; the inbox's novelty calibration."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web

from bot.review.nlu.jobs import JobRunner
from bot.training.surfacing import SurfacingCache


@dataclass
class NluState:
    runner: JobRunner
    surfacing: SurfacingCache
    export_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    model_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


NLU = web.AppKey("review_nlu", NluState)


def nlu_state(request: web.Request) -> NluState:
    return request.config_dict[NLU]
