"""What CX logging costs a customer: REST turn latency with the CX event broker on vs off.

Two Rasa servers with the same model, action server and backend, one with
``event_broker: bot.cxlog.broker.CXLogEventBroker`` and one without, are measured in alternating
rounds (so drift on this shared machine hits both alike): one customer at a time, then several
concurrent customers. Afterwards every turn sent to the logging server must be in the CX store.

    .venv/bin/python bench/cx_logging_overhead.py [--rounds 8] [--turns 40] [--clients 10]

Writes bench/results/cx_logging_overhead.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import yaml
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stack import (  # noqa: E402 (bench/; it puts the project root on sys.path)
    MODEL,
    ROOT,
    Services,
    percentile,
    start_our_rasa,
    start_services,
)

from bot.cxlog.models import Conversation, Turn  # noqa: E402
from bot.cxlog.store import CXStore  # noqa: E402
from bot.testing.processes import ServerProcess, bot_cli  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "cx_logging_overhead.json"
SCRIPT = ["hi", "where is my order #10001", "my email is jo.bench@example.com", "thanks", "bye"]
SENDER_PREFIX = "cxbench-"
PAUSE_S = 1.5


def start_all(work: Path, logs: Path) -> tuple[Services, dict[str, ServerProcess]]:
    """Backend, action server and the two Rasa servers (logging on / off)."""
    services = start_services(work, logs)
    servers = {}
    try:
        bot_cli({**os.environ, **services.rasa_env}, "cxlog", "migrate")
        for mode in ("on", "off"):
            stack = start_our_rasa(f"logging-{mode}", services, work, logs, mode == "on", MODEL)
            servers[mode] = stack.rasa
        config = yaml.safe_load((work / "logging-on" / "endpoints.yml").read_text())
        assert config["event_broker"]["type"] == "bot.cxlog.broker.CXLogEventBroker"
    except Exception:
        for server in servers.values():
            server.stop()
        services.stop()
        raise
    return services, servers


async def customer(session: aiohttp.ClientSession, url: str, turns: int) -> list[float]:
    """Conversations from SCRIPT until ``turns`` turns are done; latencies in ms."""
    latencies: list[float] = []
    while len(latencies) < turns:
        sender = SENDER_PREFIX + uuid.uuid4().hex[:12]
        for message in SCRIPT[: turns - len(latencies)]:
            started = time.perf_counter()
            async with session.post(url, json={"sender": sender, "message": message}) as reply:
                await reply.read()
                if reply.status != 200:
                    raise RuntimeError(f"{url} answered {reply.status}")
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def measure(url: str, clients: int, turns_each: int) -> list[float]:
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        results = await asyncio.gather(
            *(customer(session, url, turns_each) for _ in range(clients))
        )
    return [ms for batch in results for ms in batch]


def summary(latencies: list[float]) -> dict[str, float]:
    return {
        "turns": len(latencies),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
    }


async def logged_user_turns(cx_url: str, expected: int) -> int:
    """User turns of bench conversations in the CX store, once the writer has caught up."""
    store = CXStore.from_url(cx_url, 30)
    query = (
        select(func.count())
        .select_from(Turn)
        .join(Conversation, Conversation.id == Turn.conversation_id)
        .where(Conversation.sender_id.like(SENDER_PREFIX + "%"), Turn.user_text.is_not(None))
    )
    deadline = time.monotonic() + 60
    try:
        while True:
            async with store.engine.connect() as connection:
                found = await connection.scalar(query)
            if found >= expected or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.5)
    finally:
        await store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8, help="alternating on/off rounds")
    parser.add_argument("--turns", type=int, default=40, help="sequential turns per round")
    parser.add_argument("--clients", type=int, default=10, help="concurrent customers")
    parser.add_argument("--turns-per-client", type=int, default=10)
    args = parser.parse_args()
    if not MODEL.exists():
        raise SystemExit("no trained model: run `make train` first")

    with tempfile.TemporaryDirectory(prefix="cx-bench-") as scratch:
        work = Path(scratch)
        services, servers = start_all(work, work / "logs")
        try:
            urls = {
                mode: servers[mode].health_url.replace("/status", "/webhooks/rest/webhook")
                for mode in ("on", "off")
            }
            for url in urls.values():  # warm-up: first turns load lazily
                asyncio.run(measure(url, 1, 10))
            samples: dict[tuple[str, int], list[float]] = {}
            round_p50s: dict[tuple[str, int], list[float]] = {}
            sent_to_logging = 10
            for round_number in range(args.rounds):
                order = ("on", "off") if round_number % 2 == 0 else ("off", "on")
                for mode in order:
                    for clients, turns in ((1, args.turns), (args.clients, args.turns_per_client)):
                        latencies = asyncio.run(measure(urls[mode], clients, turns))
                        samples.setdefault((mode, clients), []).extend(latencies)
                        round_p50s.setdefault((mode, clients), []).append(percentile(latencies, 50))
                        if mode == "on":
                            sent_to_logging += len(latencies)
                        # Let the writer finish (it lingers before writing) so its work is not
                        # billed to the next block, which may be the other server's.
                        time.sleep(PAUSE_S)
                print(f"round {round_number + 1}/{args.rounds} done", flush=True)
            cx_url = services.rasa_env["CX_DATABASE_URL"]
            logged = asyncio.run(logged_user_turns(cx_url, sent_to_logging))
        finally:
            for server in servers.values():
                server.stop()
            services.stop()

    result: dict = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} CPUs, shared",
        "rounds": args.rounds,
        "turns_sent_with_logging": sent_to_logging,
        "turns_in_cx_store": logged,
    }
    for clients in (1, args.clients):
        on, off = summary(samples[("on", clients)]), summary(samples[("off", clients)])
        result[f"clients_{clients}"] = {
            "logging_on": on,
            "logging_off": off,
            "p50_overhead_pct": round((on["p50_ms"] / off["p50_ms"] - 1) * 100, 1),
            "mean_overhead_pct": round((on["mean_ms"] / off["mean_ms"] - 1) * 100, 1),
            # Each round's p50 with logging over the same round's p50 without: drift-resistant.
            "median_round_p50_overhead_pct": round(
                (
                    statistics.median(
                        on_p50 / off_p50
                        for on_p50, off_p50 in zip(
                            round_p50s[("on", clients)], round_p50s[("off", clients)], strict=True
                        )
                    )
                    - 1
                )
                * 100,
                1,
            ),
        }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if logged == sent_to_logging else 1


if __name__ == "__main__":
    raise SystemExit(main())
