"""What ``python -m bot review serve`` installs into the review app besides its own pages.

Each entry is a ``setup(app, settings)`` callable (see :mod:`bot.review.app`); the widget, its
demo page, the agent inbox and the NLU pages (inbox, discovery, training) add themselves here.
"""

from __future__ import annotations

from bot.handoff.setup import setup_handoff
from bot.review.app import Setup
from bot.review.nlu.setup import setup_nlu
from bot.widget.setup import setup_widget


def installed() -> list[Setup]:
    return [setup_widget, setup_handoff, setup_nlu]
