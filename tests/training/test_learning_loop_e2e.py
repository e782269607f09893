"""The learning loop end to end on real servers.

Customers ask about gift cards, which the assistant was never taught. Their messages reach the
CX log through Rasa's event broker; an annotator labels them in the inbox as a new intent with an
answer; export writes them into (a copy of) the project; a candidate is trained, gated and
hot-swapped into the running Rasa server, which then answers gift-card questions while an
ongoing conversation carries on. The gate judges every topic, FAQ answers included: gift cards
sit next to the gift-wrap answer, but their examples are about balances, so no topic loses a
test question. A second candidate that would blur an existing intent is refused by the gate, a
rollback restores the previous model, and removing the learned intents restores domain.yml.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import requests  # test-side HTTP client only

from bot.cxlog.database import in_session
from bot.cxlog.migrate import upgrade
from bot.settings import load_settings
from bot.testing.processes import (
    RASA_AUTH_TOKEN,
    ServerProcess,
    api_url,
    free_port,
    rasa_server,
    say,
    write_endpoints,
)
from bot.testing.project import copy_project, sqlite_url
from bot.training.candidate import train_candidate
from bot.training.commands import evaluate_candidate
from bot.training.discovery import discover
from bot.training.export import export
from bot.training.inbox import create_intent, inbox_items, label, mark_turn
from bot.training.promote import promote, rollback
from bot.training.store import ModelStore
from bot.training.surfacing import Surfacing, load_surfacing
from bot.training.unlearn import remove_learned_intent

# Three real trainings: minutes on an idle two-core machine, more when it is shared.
pytestmark = [pytest.mark.slow, pytest.mark.trains, pytest.mark.timeout(1800)]

ANSWER = "Your gift card balance is on the back of the card and at example.com/giftcards."
# Written for this test; none of them is in data/nlu or evaluation/ (export would skip it).
GIFT_CARD_QUESTIONS = [
    "how much money is still on my gift card",
    "whats left on my giftcard",
    "can you tell me my gift card balance",
    "check the balance on a gift card for me",
    "i got a gift card for my birthday how much is on it",
    "gift card balance check",
    "is there any credit left on my gift card",
    "how can i find out my giftcard balance",
    "remaining balance gift card please",
    "does my gift card still have money on it",
    "what is the value left on my present card gift card",
    "my gift card, how much can i still spend",
]
# Labelled after the export and never exported: customers' wording the gate tests both models on.
LIVE_GIFT_CARD_QUESTIONS = [
    "how much credit is on the gift card my aunt sent me",
    "tell me what my giftcard has left on it",
    "balance of a gift card i was given",
]
# Everyday where-is-my-order questions labelled as a *new* intent: the candidate would take them
# away from track_order, so the gate must refuse it.
CONFUSING = [
    "where is my package at the moment",
    "any update on my parcel",
    "whats the status of my order",
    "did my order ship out already",
    "when will my delivery get here",
    "my stuff still hasnt arrived where is it",
    "can you track my order please",
    "i need the tracking details for my purchase",
    "when does my package arrive",
    "is my order still sitting in the warehouse",
    "eta for my delivery?",
    "my parcel is late, where is it now",
    "check where my order is",
    "has the courier picked up my order yet",
    "still waiting on my package, any news",
    "how far away is my delivery",
]


def parse(rasa: ServerProcess, text: str) -> str:
    url = api_url(rasa, "/model/parse")
    reply = requests.post(url, json={"text": text}, timeout=30)
    return reply.json()["intent"]["name"]


def user_texts(rasa: ServerProcess, sender: str) -> list[str]:
    url = api_url(rasa, f"/conversations/{sender}/tracker")
    return [
        e["text"] for e in requests.get(url, timeout=30).json()["events"] if e["event"] == "user"
    ]


@pytest.fixture(scope="module")
def loop(
    tmp_path_factory: pytest.TempPathFactory,
    actions_url: str,
    server_logs: Path,
    trained_model: Path,
) -> Iterator[dict]:
    """A project copy whose live model is the session's (trained on the same files and config),
    served by its own Rasa + CX log."""
    work = tmp_path_factory.mktemp("learning-loop")
    project = copy_project(work / "project")
    cx_url = sqlite_url(work / "cx.db")
    upgrade(cx_url)
    settings = replace(
        load_settings(),
        project_dir=project,
        models_dir=project / "models",
        var_dir=work / "var",
        cx_database_url=cx_url,
    )
    store = ModelStore.of(settings)
    store.install(trained_model)
    endpoints = write_endpoints(work, actions_url)
    env = {"CX_DATABASE_URL": cx_url, "BOT_VAR_DIR": str(work / "var")}
    rasa = rasa_server(free_port(), store.current, endpoints, server_logs, env, "rasa-loop").start()
    settings = replace(settings, rasa_node_urls=(rasa.health_url.removesuffix("/status"),))
    yield {"settings": settings, "store": store, "rasa": rasa, "cx_url": cx_url, "work": work}
    rasa.stop()


async def cx(cx_url: str, work):
    return await in_session(cx_url, work)


def wait_for_logged(cx_url: str, texts: list[str], timeout_s: float = 30) -> None:
    from sqlalchemy import func, select

    from bot.cxlog.models import Turn

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        count = asyncio.run(
            cx(cx_url, lambda s: s.scalar(select(func.count()).where(Turn.user_text.in_(texts))))
        )
        if count >= len(texts):
            return
        time.sleep(0.5)
    pytest.fail(f"only {count} of {len(texts)} messages reached the CX log")


async def annotate(
    session, texts: list[str], intent: str, answer: str, surfacing: Surfacing | None = None
) -> list[str]:
    """What an annotator does: send the messages the inbox did not surface by hand, then label
    them. Returns the ones that had to be sent by hand."""
    from sqlalchemy import select

    from bot.cxlog.models import Turn

    in_inbox = {item.text for item in await inbox_items(session, surfacing=surfacing)}
    by_hand = [text for text in texts if text not in in_inbox]
    for turn in await session.scalars(select(Turn).where(Turn.user_text.in_(by_hand))):
        await mark_turn(session, turn.id, "annotator")
    assert {item.text for item in await inbox_items(session, surfacing=surfacing)} >= set(texts)
    await create_intent(session, intent, answer, "annotator")
    await label(session, texts, intent, "annotator")
    return by_hand


async def gift_card_cluster(session, surfacing: Surfacing) -> list[str]:
    """The texts of the discovered cluster holding most of the gift-card questions."""
    items = await inbox_items(session, surfacing=surfacing)
    clusters = discover(items, embedder=surfacing.embedder)
    return max(
        (cluster.texts for cluster in clusters),
        key=lambda texts: len(set(texts) & set(GIFT_CARD_QUESTIONS)),
        default=[],
    )


def customers_ask(loop, prefix: str, texts: list[str]) -> None:
    """Each text from a new customer over REST, until the CX log has them all."""
    for text in texts:
        say(loop["rasa"], f"{prefix}-{uuid.uuid4().hex[:8]}", text)
    wait_for_logged(loop["cx_url"], texts)


def label_new_intent(
    loop, texts: list[str], intent: str, answer: str, surfacing: Surfacing | None = None
) -> list[str]:
    """:func:`annotate` in the CX database; the texts that had to be sent by hand."""
    return asyncio.run(cx(loop["cx_url"], lambda s: annotate(s, texts, intent, answer, surfacing)))


def test_new_intent_from_logs_is_learned_gated_promoted_and_rolled_back(loop) -> None:
    settings, store, rasa = loop["settings"], loop["store"], loop["rasa"]
    assert parse(rasa, GIFT_CARD_QUESTIONS[0]) != "gift_card_balance"
    loyal = f"loyal-{uuid.uuid4().hex[:8]}"
    say(rasa, loyal, "hello")
    customers_ask(loop, "gift", GIFT_CARD_QUESTIONS)

    # Answered confidently and wrongly (gift wrap, payment methods), yet they reach the inbox
    # unaided (novelty) and intent discovery groups them.
    surfacing = load_surfacing(settings)
    cluster = asyncio.run(cx(loop["cx_url"], lambda s: gift_card_cluster(s, surfacing)))
    together = set(cluster) & set(GIFT_CARD_QUESTIONS)
    assert len(together) >= 0.7 * len(GIFT_CARD_QUESTIONS), cluster
    assert len(together) >= 0.7 * len(cluster), cluster
    by_hand = label_new_intent(loop, GIFT_CARD_QUESTIONS, "gift_card_balance", ANSWER, surfacing)
    assert len(by_hand) <= 0.1 * len(GIFT_CARD_QUESTIONS), by_hand
    domain_before = (settings.project_dir / "domain.yml").read_text()
    result = asyncio.run(cx(loop["cx_url"], lambda s: export(s, settings.project_dir)))
    assert result.new_intents == ["gift_card_balance"]
    added = (settings.project_dir / "domain.yml").read_text().splitlines()
    assert len(added) == len(domain_before.splitlines()) + 3  # the intent and its answer only

    customers_ask(loop, "gift", LIVE_GIFT_CARD_QUESTIONS)
    label_new_intent(loop, LIVE_GIFT_CARD_QUESTIONS, "gift_card_balance", ANSWER)

    candidate = train_candidate(store, settings.project_dir)
    decision = evaluate_candidate(settings, candidate, settings.nlu_gate_margin)
    # Judged on every topic, FAQ answers included: the gift-wrap answer it sits next to keeps
    # all its test questions, and the questions that move are gift-card ones.
    assert decision.promote, decision.summary()
    assert decision.new_intents == ["gift_card_balance"]
    assert "faq/gift_wrap" in decision.takes_from and not decision.too_few
    assert "faq/gift_wrap" in decision.deltas and "faq/restock" in decision.deltas
    moved = [c for c in decision.changes if c.before == "faq/gift_wrap"]
    assert moved and moved[0].after == "gift_card_balance", decision.changes
    assert "got the gift wrap answer now" in moved[0].words()
    assert store.gate_passed(candidate)
    stored = json.loads(
        next(
            (settings.var_dir / "training").glob(f"decision-{candidate.name[:-7]}.json")
        ).read_text()
    )
    assert stored["test_questions"]["live"] == len(LIVE_GIFT_CARD_QUESTIONS)
    assert store.decision(candidate).as_dict() == stored
    old_id = requests.get(api_url(rasa, "/status"), timeout=10).json()["model_id"]
    asyncio.run(promote(store, candidate, settings.rasa_nodes, RASA_AUTH_TOKEN))

    assert requests.get(api_url(rasa, "/status"), timeout=10).json()["model_id"] != old_id
    assert parse(rasa, "hi, how much is left on my gift card?") == "gift_card_balance"
    replies = say(rasa, loyal, "could you check how much is on my gift card")
    assert ANSWER in [reply.get("text") for reply in replies]
    assert user_texts(rasa, loyal) == ["hello", "could you check how much is on my gift card"]

    # A candidate that blurs track_order is refused, and promote honours the refusal.
    customers_ask(loop, "parcel", CONFUSING)
    label_new_intent(loop, CONFUSING, "parcel_whereabouts", "It is on its way.")
    asyncio.run(cx(loop["cx_url"], lambda s: export(s, settings.project_dir)))
    bad = train_candidate(store, settings.project_dir)
    refused = evaluate_candidate(settings, bad, settings.nlu_gate_margin)
    assert not refused.promote
    assert "track_order" in refused.regressions, refused.summary()
    assert not store.gate_passed(bad)
    decision_file = json.loads(
        next((settings.var_dir / "training").glob(f"decision-{bad.name[:-7]}.json")).read_text()
    )
    assert decision_file["promote"] is False

    # Rollback restores the model from before the gift-card promotion.
    asyncio.run(rollback(store, settings.rasa_nodes, RASA_AUTH_TOKEN))
    assert requests.get(api_url(rasa, "/status"), timeout=10).json()["model_id"] == old_id
    assert parse(rasa, "hi, how much is left on my gift card?") != "gift_card_balance"
    # The reviewer removes both intents' data: the project's domain.yml is the original again.
    for intent in ("gift_card_balance", "parcel_whereabouts"):
        assert "domain.yml" in remove_learned_intent(settings.project_dir, intent)
    assert (settings.project_dir / "domain.yml").read_text() == domain_before
