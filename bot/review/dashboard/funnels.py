"""The flow funnels for a date range: one grouped query over ``flow_progress``, then counts
and shares per step (steps as :mod:`bot.cxlog.funnels` marks them, words in definitions).

A conversation counts in the range of the day it started, like every dashboard number.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cxlog.funnels import FLOW_BY_KEY
from bot.cxlog.models import OUTCOMES, Conversation, FlowProgress
from bot.review.common.definitions import FUNNELS, FlowDefinition
from bot.review.dashboard.metrics import rate
from bot.review.dashboard.numbers import started_between

# (flow, furthest step, conversation outcome) → conversations
StopCounts = Mapping[tuple[str, str, str], int]


def flow_funnel(definition: FlowDefinition, stops: StopCounts) -> dict[str, Any]:
    """One flow's steps (reached, and the share of starts) and where the others left off."""
    keys = FLOW_BY_KEY[definition.key].step_keys
    stopped = {
        step: {outcome: stops.get((definition.key, step, outcome), 0) for outcome in OUTCOMES}
        for step in keys
    }
    # Reaching a step means stopping there or further on.
    reached = [sum(sum(stopped[step].values()) for step in keys[i:]) for i in range(len(keys))]
    started = reached[0]
    labels = {step.key: step.label for step in definition.steps}
    return {
        "flow": definition.key,
        "label": definition.label,
        "started": started,
        "steps": [
            {
                "step": step,
                "label": labels[step],
                "conversations": count,
                "share": rate(count, started),
            }
            for step, count in zip(keys, reached, strict=True)
        ],
        # The last step is the task done: nobody left before it there.
        "left": [
            {
                "step": step,
                "conversations": sum(stopped[step].values()),
                "share": rate(sum(stopped[step].values()), started),
                "outcomes": stopped[step],
            }
            for step in keys[:-1]
        ],
    }


async def funnels_data(db: AsyncSession, first: date, last: date) -> dict[str, Any]:
    rows = await db.execute(
        select(FlowProgress.flow, FlowProgress.step, Conversation.outcome, func.count())
        .join(Conversation, Conversation.id == FlowProgress.conversation_id)
        .where(*started_between(first, last))
        .group_by(FlowProgress.flow, FlowProgress.step, Conversation.outcome)
    )
    stops = {(flow, step, outcome): count for flow, step, outcome, count in rows}
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "flows": [flow_funnel(definition, stops) for definition in FUNNELS],
    }
