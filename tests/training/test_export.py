"""Export writes valid Rasa data: new intents in their own files, with a domain entry and rule;
domain.yml changes by the new intent's lines only; only the selection and only clean texts go."""

from __future__ import annotations

import asyncio
import difflib
import subprocess
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.testing.processes import VENV_BIN
from bot.training.domain_edit import add_intent, remove_intent
from bot.training.evaluate import load_examples
from bot.training.export import DAMAGED, DUPLICATE, PLACEHOLDERS_ONLY, export, plan_export
from bot.training.inbox import create_intent, inbox_items, label
from bot.training.models import NluAnnotation
from bot.training.unlearn import remove_learned_intent, reopen_labels
from tests.training.gift_cards import GIFT_CARD_MESSAGES

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


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


async def test_domain_changes_by_the_new_intents_lines_only(cx_session, project_copy: Path) -> None:
    before = (project_copy / "domain.yml").read_text()
    await create_intent(cx_session, "gift_card_balance", 'Say "balance": see the card.', "ann")
    await label(cx_session, GIFT_CARD_MESSAGES, "gift_card_balance", "ann")
    await export(cx_session, project_copy)
    after = (project_copy / "domain.yml").read_text()
    assert changed_lines(before, after) == [
        "+  - gift_card_balance",
        "+  utter_gift_card_balance:",
        '+    - text: "Say \\"balance\\": see the card."',
    ]
    assert remove_intent(after, "gift_card_balance") == before


def test_add_and_remove_intent_keep_every_other_byte() -> None:
    domain = "version: '3.1'\nintents:\n  - greet\n\nresponses:\n  utter_greet:\n  - text: hi\n"
    added = add_intent(domain, "new_one", "Answer: yes")
    assert yaml.safe_load(added)["intents"] == ["greet", "new_one"]
    assert yaml.safe_load(added)["responses"]["utter_new_one"] == [{"text": "Answer: yes"}]
    assert remove_intent(added, "new_one") == domain
    assert "greet" not in remove_intent(domain, "greet")  # and its response with its list
    with pytest.raises(ValueError, match="intents"):
        add_intent("version: '3.1'\n", "x_y_z", "a")


async def test_only_the_selection_and_no_damaged_text_is_exported(
    cx_session, project_copy: Path
) -> None:
    await create_intent(cx_session, "gift_card_balance", ANSWER, "ann")
    await label(cx_session, GIFT_CARD_MESSAGES[:6], "gift_card_balance", "ann")
    await label(cx_session, GIFT_CARD_MESSAGES[6:], "gift_card_balance", "bob")
    redacted = {
        "[EMAIL] [PHONE]": PLACEHOLDERS_ONLY,
        "my gift card from [NAME]s shop": DAMAGED,
        "send the gift card balance to [EMAIL]": DAMAGED,
        "Can I pay with a gift card?": DUPLICATE,  # data/nlu/faq.yml has it
    }
    spans = {"send the gift card balance to [EMAIL]": [{"start": 30, "end": 37, "entity": "email"}]}
    await label(cx_session, list(redacted), "gift_card_balance", "ann", spans)
    mine = list(
        await cx_session.scalars(
            select(NluAnnotation.id).where(NluAnnotation.annotated_by == "ann")
        )
    )
    plan, _ = await plan_export(cx_session, project_copy, mine)
    skipped = {example.text: example.skipped for example in plan.examples if example.skipped}
    assert skipped == redacted
    assert {e.labelled_by for e in plan.examples} == {"ann"}
    assert plan.domain_diff().count("\n+ ") == 3
    assert (project_copy / "domain.yml").read_text() == plan.domain_before  # nothing written

    result = await export(cx_session, project_copy, mine)
    assert result.added == {"gift_card_balance": 5} and result.held_back == {"gift_card_balance": 1}
    assert (result.skipped_duplicates, result.skipped_redacted) == (1, 3)
    trained = load_examples(project_copy / "data" / "nlu" / "new_gift_card_balance.yml")
    assert not {text for text, _ in trained} & set(redacted)
    rows = await cx_session.scalars(select(NluAnnotation))
    statuses = {row.example_text: row.status for row in rows}
    assert {statuses[text] for text in GIFT_CARD_MESSAGES[6:]} == {"labelled"}  # bob's wait
    assert statuses["[EMAIL] [PHONE]"] == "ignored"
    with pytest.raises(ValueError, match="no longer wait"):
        await export(cx_session, project_copy, mine)


async def test_removing_a_learned_intent_undoes_its_exports(cx_session, project_copy: Path) -> None:
    before = (project_copy / "domain.yml").read_text()
    await create_intent(cx_session, "gift_card_balance", ANSWER, "ann")
    await label(cx_session, GIFT_CARD_MESSAGES[:6], "gift_card_balance", "ann")
    await label(cx_session, ["can you recommend a pizza place near me"], "out_of_scope", "ann")
    await export(cx_session, project_copy)
    await label(cx_session, GIFT_CARD_MESSAGES[6:], "gift_card_balance", "ann")
    await export(cx_session, project_copy)  # a known intent now: these go to from_logs.yml

    changed = remove_learned_intent(project_copy, "gift_card_balance")
    assert sorted(changed) == [
        "data/nlu/from_logs.yml", "data/nlu/new_gift_card_balance.yml",
        "data/rules/new_gift_card_balance.yml", "domain.yml",
        "evaluation/new_intents/gift_card_balance.yml",
    ]  # fmt: skip
    assert (project_copy / "domain.yml").read_text() == before
    assert load_examples(project_copy / "data" / "nlu" / "from_logs.yml") == [
        ("can you recommend a pizza place near me", "out_of_scope")
    ]
    assert await reopen_labels(cx_session, "gift_card_balance") == len(GIFT_CARD_MESSAGES)
    plan, _ = await plan_export(cx_session, project_copy)
    assert plan.new_intents == ["gift_card_balance"]  # a later export brings it back
