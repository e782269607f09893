"""Review-app queries at scale: the conversation list (first and deep pages, every filter),
the dashboard and a CSV export, over 100k synthetic conversations in SQLite.

Runs the app's own query code (bot.review.conversations.queries, the dashboard, the export
handler) on a database seeded by bot/testing/bulk.py; tests/review/test_list_query_plan.py
checks the plans.

    .venv/bin/python bench/review_list.py [--conversations 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stack import ROOT  # noqa: E402 (bench/; it puts the project root on sys.path)

from bot.cxlog.database import create_engine, session_factory  # noqa: E402
from bot.review.conversations.filters import ConversationFilter, Cursor  # noqa: E402
from bot.review.conversations.queries import list_page  # noqa: E402
from bot.review.dashboard.numbers import dashboard_data  # noqa: E402
from bot.testing.bulk import FILTERS as BULK_FILTERS  # noqa: E402
from bot.testing.bulk import seed  # noqa: E402
from bot.testing.project import sqlite_url  # noqa: E402
from bot.testing.review_app import build_template, review_settings, running_review_app  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "review_list.json"
# The paging test's filters, and the handoff filter the other way round.
FILTERS = {**BULK_FILTERS, "handoff=yes": ConversationFilter(had_handoff=True)}
DEEP = Cursor(dt.datetime(2025, 2, 1, tzinfo=dt.UTC), 10**9)  # about 90 % down the list


async def _median_ms(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await work()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


async def measure(database: Path, repeat: int) -> dict:
    engine = create_engine(sqlite_url(database))
    sessions = session_factory(engine)
    results: dict = {"list_first_page_ms": {}, "list_deep_page_ms": {}}
    try:
        for name, flt in FILTERS.items():
            for key, after in (("list_first_page_ms", None), ("list_deep_page_ms", DEEP)):

                async def page(flt=flt, after=after) -> None:
                    async with sessions() as session:
                        await list_page(session, flt, after, 50)

                results[key][name] = await _median_ms(page, repeat)
        for days in (30, 365):
            last = dt.date(2025, 12, 31)

            async def dashboard(days=days, last=last) -> None:
                async with sessions() as session:
                    await dashboard_data(session, last - dt.timedelta(days=days - 1), last)

            results[f"dashboard_{days}_days_ms"] = await _median_ms(dashboard, repeat)
    finally:
        await engine.dispose()

    async with running_review_app(review_settings(sqlite_url(database))) as new_browser:
        browser = new_browser()
        await browser.login("viewer")
        for name, path in (
            ("html_list_page_ms", "/conversations"),
            ("html_list_page_filtered_ms", "/conversations?outcome=handed_off&csat=1"),
            ("html_transcript_ms", "/conversations/50000"),
        ):

            async def fetch(path=path) -> None:
                assert (await browser.get(path)).status == 200

            results[name] = await _median_ms(fetch, repeat)
        started = time.perf_counter()
        export = await browser.get("/api/conversations/export.csv?from=2025-03-01&to=2025-03-31")
        results["csv_export_one_month"] = {
            "rows": export.text.count("\r\n") - 1,
            "seconds": round(time.perf_counter() - started, 2),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--turns", type=int, default=3, help="customer messages per conversation")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        database = Path(directory) / "cx.db"
        build_template(database)
        started = time.perf_counter()
        seed(database, args.conversations, args.turns)
        seconds = round(time.perf_counter() - started, 1)
        print(f"seeded {args.conversations} conversations in {seconds} s", flush=True)
        results = asyncio.run(measure(database, args.repeat))
    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "conversations": args.conversations,
        "customer_messages": args.conversations * args.turns,
        "repeat": args.repeat,
        "note": "median wall time on a shared 2-core machine; SQLite without ANALYZE",
        **results,
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
