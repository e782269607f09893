"""``python -m bot review serve``: the one web process the CX team and the website talk to.

The review app (:mod:`bot.review`) is the host; the NLU pages and live chat (widget, agent inbox)
install themselves into it. Composed here, at the top, so that none of those packages has to
import another to find its place.
"""

from __future__ import annotations

import logging
import os
import sys

from aiohttp import web

from bot.livechat.setup import setup_livechat
from bot.review.app import create_app
from bot.review.nlu.setup import setup_nlu
from bot.settings import Settings

INSTALLED = (setup_livechat, setup_nlu)


def create_web_app(settings: Settings) -> web.Application:
    """Raise ``ValueError`` for settings the app must not run with (see ``create_app``)."""
    # The NLU pages load Rasa lazily, and Rasa's channel registry imports aiogram, which switches
    # the whole process to uvloop's event-loop policy unless this is set. That policy has no
    # child watcher: the app could then no longer start a candidate training (a 500).
    os.environ.setdefault("DISABLE_UVLOOP", "1")
    return create_app(settings, extra_setup=INSTALLED)


def serve(settings: Settings) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        app = create_web_app(settings)
    except ValueError as error:
        print(f"review: {error}", file=sys.stderr, flush=True)
        return 2
    url = f"http://{settings.host}:{settings.review_port}/"
    web.run_app(
        app,
        host=settings.host,
        port=settings.review_port,
        print=lambda _: print(f"review: serving on {url}", flush=True),
    )
    return 0
