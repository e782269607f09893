"""Wait until every service answers, then print the URLs a user needs.

Runs as one of the supervised processes under ``make run``: the banner appears only once the
services are really up, and a service that never comes up is reported by name.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp

from bot.settings import Settings


@dataclass(frozen=True)
class Service:
    name: str
    health_url: str
    user_url: str


def services(settings: Settings) -> list[Service]:
    """The services ``make run`` starts, with the URL that proves each one is up."""
    host = settings.host
    # Rasa's /status needs the API token: a wrong one keeps "rasa" from counting as ready.
    rasa_status = f"{settings.rasa_api_url}/status?{urlencode({'token': settings.rasa_auth_token})}"
    return [
        Service("rasa", rasa_status, f"{settings.rasa_url}/webhooks/rest/webhook"),
        Service(
            "actions",
            f"http://{host}:{settings.action_port}/health",
            settings.action_server_url,
        ),
        Service(
            "backend",
            f"http://{host}:{settings.backend_port}/api/v1/health",
            f"http://{host}:{settings.backend_port}/api/v1/openapi.yaml",
        ),
        Service(
            "review",
            f"http://{host}:{settings.review_port}/healthz",
            f"http://{host}:{settings.review_port}/",
        ),
        Service(
            "widget demo",
            f"http://{host}:{settings.review_port}/demo",
            f"http://{host}:{settings.review_port}/demo",
        ),
    ]


async def _is_up(session: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
            return response.status < 400
    except (TimeoutError, aiohttp.ClientError):
        return False


async def wait_until_ready(targets: list[Service], timeout_s: float) -> list[Service]:
    """Return the services still down after ``timeout_s`` (empty when all are up)."""
    pending = list(targets)
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as session:
        while pending and time.monotonic() < deadline:
            states = await asyncio.gather(*(_is_up(session, s.health_url) for s in pending))
            pending = [s for s, up in zip(pending, states, strict=True) if not up]
            if pending:
                await asyncio.sleep(1)
    return pending


def banner(targets: list[Service]) -> str:
    width = max(len(s.name) for s in targets)
    lines = ["", "All services are up:"]
    lines += [f"  {s.name.ljust(width)}  {s.user_url}" for s in targets]
    lines.append("Press Ctrl-C to stop them all.")
    return "\n".join(lines)


async def report_when_ready(settings: Settings, timeout_s: float, hold: bool) -> int:
    targets = services(settings)
    down = await wait_until_ready(targets, timeout_s)
    if down:
        names = ", ".join(s.name for s in down)
        print(f"not ready after {timeout_s:.0f}s: {names}", flush=True)
        return 1
    print(banner(targets), flush=True)
    if hold:
        # Stay alive: honcho stops every service when any process exits.
        await asyncio.Event().wait()
    return 0
