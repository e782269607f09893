"""Export writes valid Rasa data: new intents in their own files, with a domain entry and rule."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.training.evaluate import load_examples
from bot.training.export import export
from bot.training.inbox import create_intent, inbox_items, label
from tests.support.processes import VENV_BIN
from tests.training.conftest import GIFT_CARD_MESSAGES

ANSWER = "You can check your gift card balance at example.com/giftcards."


async def test_export_new_intent_and_examples_of_known_ones(
    cx_session, log_turn, project_copy: Path
) -> None:
    for text in [*GIFT_CARD_MESSAGES, "can you recommend a pizza place near me"]:
        log_turn(text, "nlu_fallback", 0.2, fallback=True)
    await cx_session.commit()
    await create_intent(cx_session, "gift_card_balance", ANSWER, "ann")
    await label(cx_session, GIFT_CARD_MESSAGES, "gift_card_balance", "ann")
    await label(cx_session, ["can you recommend a pizza place near me"], "out_of_scope", "ann")

    result = await export(cx_session, project_copy)

    assert result.new_intents == ["gift_card_balance"]
    assert result.added == {"gift_card_balance": 8, "out_of_scope": 1}
    assert result.held_back == {"gift_card_balance": 2}
    trained = load_examples(project_copy / "data" / "nlu" / "new_gift_card_balance.yml")
    held = load_examples(project_copy / "evaluation" / "new_intents" / "gift_card_balance.yml")
    assert {t for t, _ in trained} | {t for t, _ in held} == set(GIFT_CARD_MESSAGES)
    assert not {t for t, _ in trained} & {t for t, _ in held}
    assert load_examples(project_copy / "data" / "nlu" / "from_logs.yml") == [
        ("can you recommend a pizza place near me", "out_of_scope")
    ]
    domain = yaml.safe_load((project_copy / "domain.yml").read_text())
    assert "gift_card_balance" in domain["intents"]
    assert domain["responses"]["utter_gift_card_balance"] == [{"text": ANSWER}]
    assert (project_copy / "data" / "rules" / "new_gift_card_balance.yml").exists()
    assert all(item.status == "exported" for item in await inbox_items(cx_session, True))

    validate = await asyncio.to_thread(
        subprocess.run,
        [str(VENV_BIN / "rasa"), "data", "validate", "--fail-on-warnings"],
        cwd=project_copy, capture_output=True, text=True,
    )  # fmt: skip
    assert validate.returncode == 0, validate.stdout[-3000:] + validate.stderr[-3000:]


async def test_second_export_skips_duplicates(cx_session, log_turn, project_copy: Path) -> None:
    await create_intent(cx_session, "gift_card_balance", ANSWER, "ann")
    await label(cx_session, GIFT_CARD_MESSAGES[:5], "gift_card_balance", "ann")
    await export(cx_session, project_copy)
    await label(
        cx_session,
        ["Gift card balance??", "gift card balance for order 123"],
        "gift_card_balance",
        "ann",
    )
    result = await export(cx_session, project_copy)
    assert result.skipped_duplicates == 1  # same as "gift card balance?" once normalised
    assert result.added == {"gift_card_balance": 1}  # the intent is known now: from_logs.yml


async def test_new_intent_without_an_answer_is_not_exported(cx_session, project_copy: Path) -> None:
    await label(cx_session, ["how much is left on my gift card"], "gift_card_balance", "ann")
    with pytest.raises(ValueError, match="need an answer"):
        await export(cx_session, project_copy)
