"""The NLU pages in Debian's Chromium, served by ``python -m bot review serve`` as in production.

An annotator marks an entity with the keyboard and labels a message, bulk-labels two more, turns
a discovered cluster into a new intent, and exports on the training page; an admin promotes a
candidate, rolls it back and removes its intent's data, confirming each step; all against a
private CX database, a copy of the Rasa project (the repository's data is never touched) and a
stand-in for Rasa's model API.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from bot.testing.processes import VENV_BIN, ServerProcess, free_port
from bot.testing.project import copy_project, in_worker_thread, sqlite_url
from bot.testing.review_app import PASSWORD, SECRET_KEY, Chat, build_template, write_chats
from bot.training.domain_edit import add_intent
from bot.training.evaluate import ModelEvaluation
from bot.training.export import rule_text
from bot.training.gate import compare
from bot.training.store import Decision, ModelStore

LOYALTY = [
    "how many loyalty points have i got",
    "show my loyalty points balance",
    "loyalty points balance",
    "what are my loyalty points worth",
    "where can i see my loyalty points",
]
DAY = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def logged_chats() -> list[Chat]:
    chats = [
        Chat(f"loyal-{n}", DAY + timedelta(minutes=n)).say(text, "nlu_fallback", 0.3)
        for n, text in enumerate(LOYALTY)
    ]
    unsure = [
        ("my parcel is late", "track_order", 0.5),
        ("do you deliver to iceland", "delivery_options", 0.45),
        ("can you send it to norway", "delivery_options", 0.4),
        ("<img src=x onerror=alert(1)> help", "nlu_fallback", 0.2),
    ]
    chats += [
        Chat(f"unsure-{n}", DAY + timedelta(hours=n + 1)).say(text, intent, confidence)
        for n, (text, intent, confidence) in enumerate(unsure)
    ]
    return chats


def serve(tmp_path: Path, extra_env: dict[str, str]) -> ServerProcess:
    database = in_worker_thread(build_template, tmp_path / "cx.db")
    in_worker_thread(asyncio.run, write_chats(sqlite_url(database), logged_chats()))
    port = free_port()
    env = {
        "REVIEW_PORT": str(port),
        "CX_DATABASE_URL": sqlite_url(database),
        "REVIEW_SECRET_KEY": SECRET_KEY,
        "WIDGET_TOKEN_SECRET": "nlu-browser-test-token-secret",
        "BOT_PROJECT_DIR": str(tmp_path / "project"),
        "BOT_MODELS_DIR": str(tmp_path / "models"),
        "BOT_VAR_DIR": str(tmp_path / "var"),
        **extra_env,
    }
    return ServerProcess(
        "review-nlu",
        [str(VENV_BIN / "python"), "-m", "bot", "review", "serve"],
        f"http://127.0.0.1:{port}/healthz",
        tmp_path / "logs",
        env,
    ).start()


@pytest.fixture
def review_url(tmp_path: Path) -> Iterator[str]:
    copy_project(tmp_path / "project")
    server = serve(tmp_path, {})
    yield server.health_url.removesuffix("/healthz")
    server.stop()


def sign_in(page: Page, url: str, username: str, landing: str) -> None:
    page.goto(f"{url}/login?next={landing}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{url}{landing}")


def item(page: Page, text: str) -> Locator:
    return page.locator("article.nlu-item").filter(
        has=page.locator(".customer-text", has_text=text)
    )


def test_annotator_labels_bulk_labels_discovers_and_exports(
    page: Page, review_url: str, screenshot: Callable[[Page, str], None]
) -> None:
    sign_in(page, review_url, "annotator", "/nlu")
    expect(page.get_by_role("heading", name="NLU inbox")).to_be_visible()
    expect(page.locator("#nlu-inbox")).to_have_attribute("data-ready", "true")
    expect(page.locator("article.nlu-item")).to_have_count(9)
    # Customer text is shown as text, never run as markup.
    expect(item(page, "<img src=x onerror=alert(1)> help")).to_be_visible()

    # One message: mark "parcel" as an item with the keyboard, then label it.
    late = item(page, "my parcel is late")
    expect(late.locator(".nlu-guess")).to_have_text("track_order")
    expect(late.locator(".nlu-reason")).to_have_text(["torn between two topics"])
    late.get_by_text("Mark entities").press("Enter")
    words = late.get_by_role("group", name="Words of the message")
    words.get_by_role("button", name="parcel", exact=True).press("Enter")
    expect(words.get_by_role("button", name="parcel", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    late.get_by_label("Entity type").select_option("item")
    late.get_by_role("button", name="Mark selected words").press("Enter")
    expect(late.locator(".nlu-spans li")).to_have_text("item = parcelremove")
    screenshot(page, "nlu_inbox")
    late.get_by_role("button", name="Confirm track_order").press("Enter")
    expect(late.locator(".nlu-outcome")).to_have_text("Labelled as track_order")
    expect(late).to_have_attribute("data-state", "done")
    expect(page.get_by_role("status")).to_have_text("Labelled 1 message(s) as track_order.")

    # Two similar messages at once.
    for text in ("do you deliver to iceland", "can you send it to norway"):
        item(page, text).get_by_label("Select for bulk labelling").check()
    expect(page.locator("#nlu-selected-count")).to_have_text("2 selected")
    page.get_by_label("Label selected as").select_option("delivery_options")
    page.get_by_role("button", name="Label selected").click()
    for text in ("do you deliver to iceland", "can you send it to norway"):
        expect(item(page, text).locator(".nlu-outcome")).to_have_text(
            "Labelled as delivery_options"
        )
    expect(page.locator("#nlu-selected-count")).to_have_text("0 selected")

    # A mistake is reported, not stored.
    noise = item(page, "<img src=x onerror=alert(1)> help")
    noise.get_by_role("button", name="Label", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Choose an intent first.")
    noise.get_by_role("button", name="Ignore").click()
    expect(noise.locator(".nlu-outcome")).to_have_text("Ignored")

    # Discovery: the loyalty questions form a cluster; review it and create the intent.
    page.get_by_role("link", name="Intent discovery").click()
    cluster = page.locator("form.nlu-cluster").filter(has_text=LOYALTY[0])
    expect(cluster).to_have_count(1)
    name = cluster.get_by_label("Intent name")
    expect(name).to_have_value("loyalty_points_balance")  # suggested; the reviewer shortens it
    name.fill("loyalty_points")
    cluster.get_by_label("What the assistant answers").fill(
        "Your loyalty points are listed under Account, then Rewards."
    )
    screenshot(page, "nlu_discovery")
    cluster.get_by_role("button", name="Create intent and label these messages").click()
    expect(cluster.locator(".nlu-outcome")).to_have_text(
        f"Created loyalty_points and labelled {len(LOYALTY)} message(s)."
    )

    page.goto(f"{review_url}/nlu?status=done")
    done = page.locator("table.nlu-done tbody tr")
    expect(done).to_have_count(len(LOYALTY) + 4)
    row = done.filter(has=page.get_by_role("cell", name=LOYALTY[2], exact=True))
    expect(row).to_contain_text("loyalty_points")
    expect(page.locator("article.nlu-item")).to_have_count(0)

    # Training: the labels wait for export; exporting writes them into the project copy.
    page.get_by_role("link", name="Training").click()
    expect(page.locator("#nlu-training")).to_have_attribute("data-state", "idle")
    expect(page.locator("#nlu-pending")).to_have_text(
        f"{len(LOYALTY) + 3} labelled messages wait for export."
    )
    expect(page.get_by_role("button", name="Train a new model")).to_be_enabled()
    expect(page.get_by_role("button", name="Compare with the live model")).to_be_disabled()
    expect(page.get_by_role("button", name="Promote candidate")).to_have_count(0)  # admin only
    page.get_by_role("button", name="Show what would be exported").click()
    rows = page.locator("#nlu-export-rows tr")
    expect(rows).to_have_count(len(LOYALTY) + 3, timeout=60_000)
    expect(rows.filter(has_text=LOYALTY[0])).to_contain_text("data/nlu/new_loyalty_points.yml")
    expect(page.locator("#nlu-export-diff")).to_contain_text("+  - loyalty_points")
    page.get_by_role("button", name="Export the ticked messages").click()
    expect(page.locator("#nlu-export-list")).to_contain_text(
        "loyalty_points: +4 examples (new topic, 1 kept as test questions)", timeout=60_000
    )
    expect(page.locator("#nlu-pending")).to_have_text("0 labelled messages wait for export.")
    expect(page.get_by_role("button", name="Show what would be exported")).to_be_disabled()
    screenshot(page, "nlu_training")


class FakeRasaModelApi(BaseHTTPRequestHandler):
    """``PUT /model`` and ``GET /status``, as promotion calls them."""

    loaded = 0

    def do_PUT(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers["Content-Length"]))
        FakeRasaModelApi.loaded += 1
        self.send_response(204)
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        body = json.dumps({"model_id": f"model-{FakeRasaModelApi.loaded}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def promotable(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A live model and a candidate that passed the gate with the new intent loyalty_points
    (exported into the project copy), and the review app promoting into a stand-in Rasa."""
    project = copy_project(tmp_path / "project")
    domain = project / "domain.yml"
    domain.write_text(add_intent(domain.read_text(), "loyalty_points", "See Account > Rewards."))
    (project / "data" / "rules" / "new_loyalty_points.yml").write_text(rule_text("loyalty_points"))
    models = tmp_path / "models"
    for path, content in (
        (models / "assistant.tar.gz", "old"),
        (models / "candidates" / "candidate-20260504T090000.tar.gz", "new"),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        path.with_name(path.name.removesuffix(".tar.gz") + ".fingerprint").write_text(content)
    # five greetings: the topic the new intent takes from needs enough test questions
    examples = [*((f"hello {n}", "greet") for n in range(5)), (LOYALTY[0], "loyalty_points")]
    gold = [label for _, label in examples]
    known = frozenset({"greet"})
    current = ModelEvaluation.of(gold, ["greet"] * 6, known)
    candidate = ModelEvaluation.of(gold, gold, known | {"loyalty_points"})
    decision = compare(current, candidate, 0.02, examples)
    store = ModelStore(models, tmp_path / "var" / "training")
    store.save_decision(
        Decision.of(
            "candidate-20260504T090000.tar.gz",
            decision,
            current.report,
            candidate.report,
            held_out=6,
            live=0,
        )
    )
    rasa = ThreadingHTTPServer(("127.0.0.1", 0), FakeRasaModelApi)
    threading.Thread(target=rasa.serve_forever, daemon=True).start()
    env = {"RASA_NODE_URLS": f"http://127.0.0.1:{rasa.server_port}", "RASA_AUTH_TOKEN": "t"}
    server = serve(tmp_path, env)
    yield server.health_url.removesuffix("/healthz"), project
    server.stop()
    rasa.shutdown()


def test_admin_promotes_rolls_back_and_removes_the_intent(
    page: Page, promotable: tuple[str, Path], screenshot: Callable[[Page, str], None]
) -> None:
    review_url, project = promotable
    dialogs: list[str] = []

    def accept(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    sign_in(page, review_url, "admin", "/nlu/training")
    live = page.locator("#nlu-live")
    expect(live).to_contain_text("Live model: assistant.tar.gz")
    expect(live).to_contain_text("installed outside the review app")
    expect(page.locator("#nlu-changes-list")).to_contain_text(
        "1 question that got the greet answer now gets the loyalty points answer (right now)"
    )

    page.get_by_role("button", name="Promote candidate").click()
    expect(live).to_contain_text("candidate-20260504T090000.tar.gz")
    expect(live).to_contain_text("promoted by admin")
    assert "it answers a new topic: loyalty_points" in dialogs[0]
    assert "1 test question gets a different answer" in dialogs[0]
    expect(page.locator("#nlu-gate")).not_to_contain_text("compare again")
    expect(page.get_by_role("button", name="Promote candidate")).to_be_disabled()

    page.get_by_role("button", name="Roll back to the previous model").click()
    expect(live).to_contain_text("Live model: assistant.tar.gz")
    expect(live).to_contain_text("rolled back by admin")
    assert "questions about loyalty_points are no longer recognised" in dialogs[1]
    expect(page.get_by_role("button", name="Roll back to the previous model")).to_be_disabled()
    offer = page.locator("#nlu-rolled-back")
    expect(offer).to_contain_text("loyalty_points (0 exported examples) is still in the training")
    screenshot(page, "nlu_training_rolled_back")

    offer.get_by_role("button", name="Remove it").click()
    expect(page.locator("#nlu-status")).to_contain_text("loyalty_points removed")
    expect(offer).to_be_hidden()
    assert "loyalty_points" not in (project / "domain.yml").read_text()
    assert len(dialogs) == 3
