"""The review app in Debian's Chromium: sign in, filter, open a transcript, tag it, see the
dashboard's charts and flow funnels drawn from its JSON, and strangers turned away.

The app runs as ``python -m bot review serve`` (the Procfile's command) over a CX database
filled through the real log pipeline.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from bot.cxlog.models import OUTCOMES
from bot.review.common.definitions import FUNNELS, METRICS
from bot.testing.processes import ServerProcess, free_port
from bot.testing.project import in_worker_thread, sqlite_url
from bot.testing.review_app import (
    MARCH,
    PASSWORD,
    SECRET_KEY,
    Chat,
    build_template,
    sample_chats,
    write_chats,
)
from tests.review.cases import hostile_chats
from tests.review.ground_truth import FUNNELS_ON_3_MAY, funnel_scripts

Screenshot = Callable[[Page, str], None]


@dataclass(frozen=True)
class ReviewApp:
    url: str
    server: ServerProcess


@pytest.fixture(scope="module")
def review_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewApp]:
    directory = tmp_path_factory.mktemp("browser-review-app")
    database = in_worker_thread(build_template, directory / "cx.db")
    # A 130-character id, like a host site's own session ids, must not push the table off-screen.
    long_id = Chat("web-" + "a1b2c3d4e5" * 12 + "f6g7h8", MARCH + timedelta(days=10))
    chats = [*sample_chats(), *hostile_chats(), long_id.say("hi", "greet").bot("Hello!")]
    chats += [script for script, _ in funnel_scripts()]  # 3 May 2026
    in_worker_thread(asyncio.run, write_chats(sqlite_url(database), chats))
    port = free_port()
    env = {
        "CX_DATABASE_URL": sqlite_url(database),
        "REVIEW_SECRET_KEY": SECRET_KEY,
        "REVIEW_PORT": str(port),
        "BOT_HOST": "127.0.0.1",
    }
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "bot", "review", "serve"]
    server = ServerProcess("review-browser", command, url + "/healthz", directory, env)
    server.start(timeout_s=60)
    yield ReviewApp(url, server)
    server.stop()


def sign_in(page: Page, app: ReviewApp, username: str, start: str = "/conversations") -> None:
    page.goto(app.url + start)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".who")).to_have_text(re.compile(username))


def test_strangers_are_redirected_and_the_api_says_401(page: Page, review_app: ReviewApp) -> None:
    page.goto(review_app.url + "/dashboard")
    expect(page).to_have_url(review_app.url + "/login?next=/dashboard")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    api = page.request.get(review_app.url + "/api/dashboard")
    assert api.status == 401 and api.json() == {"error": "sign in first"}
    page.get_by_label("Username").fill("viewer")
    page.get_by_label("Password").fill("wrong password entirely")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")


def test_sign_in_filter_and_open_a_transcript(
    page: Page, review_app: ReviewApp, screenshot: Screenshot
) -> None:
    sign_in(page, review_app, "annotator")
    rows = page.locator("table.conversations tbody tr")
    expect(rows.first).to_be_visible()

    page.get_by_label("Outcome").select_option("handed_off")
    page.get_by_label("Search customer messages").fill("refund")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"outcome=handed_off.*q=refund|q=refund.*outcome="))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("c-refund")
    screenshot(page, "review-conversations-filtered")

    rows.first.get_by_role("link", name="c-refund").click()
    expect(page.get_by_role("heading", name=re.compile("Conversation c-refund"))).to_be_visible()
    turn = page.locator("article.turn").first
    expect(turn.locator(".customer-text")).to_have_text("I want a refund for my shoes")
    expect(turn.locator(".intent")).to_have_text("request_refund")
    expect(turn.locator(".confidence")).to_have_text("55%")
    expect(turn.locator(".action").first).to_have_text("action_handoff_to_human")
    expect(turn.locator(".bot-text")).to_have_text("Let me get a colleague.")
    expect(page.locator("#outcome")).to_have_text("Handed off")

    page.get_by_placeholder("new-tag").fill("needs-review")
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator(".tag-list .tag")).to_have_text(["needs-review"])
    page.get_by_placeholder("Note on this message").first.fill("Handoff was right here.")
    page.get_by_role("button", name="Add note").first.click()
    expect(page.locator(".turn-notes .note-body")).to_have_text(["Handoff was right here."])
    screenshot(page, "review-transcript")

    page.get_by_role("link", name="Conversations", exact=True).first.click()
    page.get_by_label("Tag", exact=True).fill("needs-review")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("needs-review")


def test_the_dashboard_draws_its_charts_from_the_json(
    page: Page, review_app: ReviewApp, screenshot: Screenshot
) -> None:
    sign_in(page, review_app, "viewer")
    with page.expect_response(re.compile(r"/api/dashboard\?from=2026-03-01&to=2026-03-07")) as r:
        page.goto(review_app.url + "/dashboard?from=2026-03-01&to=2026-03-07")
    data = r.value.json()
    assert r.value.status == 200 and data["conversations"] >= 4
    expect(page.locator("#dashboard")).to_have_attribute("data-state", "ready")
    expect(page.locator("#kpi-handoff")).to_have_text(re.compile(r"^\d+%$"))
    expect(page.locator("#kpi-csat")).to_have_text(re.compile(r"^\d\.\d\d \(\d+\)$"))
    for canvas in (
        "chart-per-day",
        "chart-outcomes",
        "chart-csat",
        "chart-nps",
        "chart-top-intents",
        "chart-low-confidence",
    ):
        points = page.evaluate(
            "id => { const c = Chart.getChart(id); return c ? c.data.datasets[0].data : null; }",
            canvas,
        )
        assert points is not None, f"{canvas} was not drawn"
        box = page.locator(f"#{canvas}").bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50, canvas
    per_day = page.evaluate("Chart.getChart('chart-per-day').data.datasets[0].data")
    assert per_day == [day["count"] for day in data["per_day"]]
    assert per_day[1:4] == [1, 1, 1]  # c-refund, c-confused, c-email
    screenshot(page, "review-dashboard")


def test_every_dashboard_number_explains_itself(page: Page, review_app: ReviewApp) -> None:
    sign_in(page, review_app, "viewer")
    page.goto(review_app.url + "/dashboard?from=2026-03-01&to=2026-03-07")
    expect(page.locator("#dashboard")).to_have_attribute("data-state", "ready")
    expect(page.locator("#kpi-resolution")).to_have_text(re.compile(r"^\d+%$"))
    expect(page.locator("#kpi-not-understood-messages")).to_have_text(
        re.compile(r"^\d+% \(\d+ of \d+\)$")
    )
    texts = {definition.key: definition.text for definition in METRICS}
    assert page.locator(".kpis .help-toggle").count() == len(texts)
    containment = page.get_by_role("button", name="What is “Containment”?")
    resolution = page.get_by_role("button", name="What is “Resolution rate”?")
    expect(containment).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#help-containment")).to_be_hidden()

    containment.click()
    expect(containment).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#help-containment")).to_be_visible()
    expect(page.locator("#help-containment")).to_have_text(texts["containment"])

    resolution.click()  # one popover at a time
    expect(containment).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#help-containment")).to_be_hidden()
    expect(page.locator("#help-resolution")).to_have_text(texts["resolution"])

    page.keyboard.press("Escape")
    expect(resolution).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#help-resolution")).to_be_hidden()
    expect(resolution).to_be_focused()
    resolution.press("Enter")  # a real button: the keyboard opens it too
    expect(page.locator("#help-resolution")).to_be_visible()


def test_long_ids_and_dates_fit_a_narrow_screen(
    page: Page, review_app: ReviewApp, screenshot: Screenshot
) -> None:
    page.set_viewport_size({"width": 640, "height": 900})
    sign_in(page, review_app, "viewer")
    expect(page.locator("table.conversations tbody tr").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    links = page.locator("a.open-transcript")
    longest = max(links.all_text_contents(), key=len)
    assert len(longest) == 130
    link = page.locator("a.open-transcript", has_text=longest[:20]).first
    expect(link).to_have_attribute("title", longest)
    link_box = link.bounding_box()
    started = page.locator("table.conversations tbody tr td.nowrap").first.bounding_box()
    assert link_box is not None and started is not None
    assert link_box["height"] < 30 and started["height"] < 40  # one line each
    screenshot(page, "review-conversations-narrow")


def test_customer_markup_never_runs(page: Page, review_app: ReviewApp) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, review_app, "admin")
    page.goto(review_app.url + "/conversations?limit=200")
    links = page.locator("a.open-transcript")
    expect(links.first).to_be_visible()
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) >= 20
    pages = ["/conversations?limit=200", "/dashboard?from=2026-03-01&to=2026-03-31", *hrefs]
    for path in pages:
        page.goto(review_app.url + path)
        page.wait_for_load_state("load")
        # Customer text is text: no element of any payload exists in the page.
        injected = page.evaluate(
            "document.querySelectorAll('.customer-text *, .bot-text *, .entity-value *, "
            "td img, td svg, td iframe, main style').length"
        )
        assert injected == 0, path
        scripts = page.evaluate("[...document.scripts].map(s => s.src)")
        assert all(src.startswith(review_app.url + "/static/") for src in scripts), path
    assert dialogs == []


# The funnel chart for 3 May by hand (FUNNELS_ON_3_MAY): per step kind, the % of each flow's
# started conversations reaching it, None where the flow has no such step.
FUNNEL_CHART = {
    "Started": [100, 100, 100, 100, 100, 100, 100],
    "Identity verified": [67, 100, 100, 50, 100, None, 67],
    "Eligible": [None, 67, 75, None, 50, None, None],
    "Described": [None, None, None, None, None, 100, None],
    "Done": [33, 33, 25, 50, 50, 50, 33],
}


def left_text(outcomes: dict[str, int]) -> str:
    parts = [f"{o.replace('_', ' ')} {outcomes[o]}" for o in OUTCOMES if outcomes.get(o)]
    return f"{sum(outcomes.values())} ({', '.join(parts)})" if parts else "0"


def test_the_funnels_show_the_hand_count_and_explain_each_step(
    page: Page, review_app: ReviewApp, screenshot: Screenshot
) -> None:
    sign_in(page, review_app, "viewer")
    page.goto(review_app.url + "/dashboard?from=2026-05-03&to=2026-05-03")
    expect(page.locator("#funnels")).to_have_attribute("data-state", "ready")
    chart = page.evaluate(
        "(() => { const c = Chart.getChart('chart-funnels');"
        " return {labels: c.data.labels, bars: c.data.datasets.map(d => [d.label, d.data])}; })()"
    )
    assert chart["labels"] == [flow.label for flow in FUNNELS]
    assert dict(chart["bars"]) == FUNNEL_CHART
    box = page.locator("#chart-funnels").bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    for flow in FUNNELS:
        reached, left = FUNNELS_ON_3_MAY[flow.key]
        expect(page.locator(f"#funnel-{flow.key}-started")).to_have_text(str(reached[0]))
        for n, step in enumerate(flow.steps):
            cell = f"#funnel-{flow.key}-{step.key}"
            expect(page.locator(cell + "-count")).to_have_text(str(reached[n]))
            expect(page.locator(cell + "-share")).to_have_text(
                f"{round(100 * reached[n] / reached[0])}%"
            )
            stopped = left[n] if n < len(left) else None
            expect(page.locator(cell + "-left")).to_have_text(
                "—" if stopped is None else left_text(stopped)
            )
    expect(page.locator("#funnel-return-eligible-left")).to_have_text("2 (abandoned 2)")

    returns = next(flow for flow in FUNNELS if flow.key == "return")
    eligible = page.get_by_role("button", name="What is “Eligible” in Return an item?")
    help_text = page.locator("#help-funnel-return-eligible")
    expect(help_text).to_be_hidden()
    eligible.click()
    expect(eligible).to_have_attribute("aria-expanded", "true")
    expect(help_text).to_be_visible()
    expect(help_text).to_have_text(returns.steps[2].text)
    screenshot(page, "review-dashboard-funnels")
    page.keyboard.press("Escape")
    expect(help_text).to_be_hidden()
    expect(eligible).to_be_focused()
