"""Turn latency and throughput: our assistant vs a stock `rasa init` bot, started in the same run.

N concurrent simulated customers hold real multi-turn conversations through the REST channel
(ours include turns whose actions call the reference backend). Reports p50/p95/p99 turn latency
and turns/s for each N, the ratio to the stock bot (absolute times on a shared machine are
noisy; the ratio is the number to compare), the CX logging overhead (our bot with the event
broker on vs off), model load time and resident memory of every service.

    .venv/bin/python bench/latency.py [--clients 1 10 50] [--turns-per-client 20]
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stack import ROOT, Stack, percentile, rss_mb, start_ours, start_stock  # noqa: E402 (bench/)

RESULTS = ROOT / "bench" / "results" / "latency.json"
OUR_SCRIPTS = [
    ["hi", "where is my order 10001", "alex.kim@example.com", "thanks", "bye"],
    ["hello", "what delivery options do you have", "how long does a refund take", "bye"],
    ["hey", "track order 20001", "sam.lee@example.com", "ok thanks"],
    ["good morning", "do you accept paypal", "tell me a joke", "bye"],
]
STOCK_SCRIPTS = [
    ["hi", "I am sad", "yes", "bye"],
    ["hello", "great", "are you a bot?", "goodbye"],
]


async def customer(
    session: aiohttp.ClientSession, url: str, scripts: list[list[str]], turns: int, seed: int
) -> tuple[list[float], int]:
    """Hold conversations until `turns` turns are done; return latencies (ms) and failures."""
    latencies: list[float] = []
    failures = 0
    conversation = seed
    while len(latencies) + failures < turns:
        sender = f"bench-{uuid.uuid4().hex[:10]}"
        for text in scripts[conversation % len(scripts)]:
            started = time.perf_counter()
            try:
                async with session.post(url, json={"sender": sender, "message": text}) as reply:
                    await reply.read()
                    ok = reply.status == 200
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            if ok:
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                failures += 1
        conversation += 1
    return latencies, failures


async def measure(stack: Stack, scripts: list[list[str]], clients: int, turns: int) -> dict:
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await customer(session, stack.webhook, scripts, 4, 0)  # warm-up
        started = time.perf_counter()
        results = await asyncio.gather(
            *(customer(session, stack.webhook, scripts, turns, n) for n in range(clients))
        )
        wall = time.perf_counter() - started
    latencies = [ms for batch, _ in results for ms in batch]
    return {
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "turns_per_s": round(len(latencies) / wall, 2),
        "turns": len(latencies),
        "failures": sum(failed for _, failed in results),
    }


def run_series(stack: Stack, scripts: list[list[str]], clients: list[int], turns: int) -> dict:
    series = {}
    for n in clients:
        series[str(n)] = asyncio.run(measure(stack, scripts, n, turns))
        print(f"[{stack.name}] N={n}: {series[str(n)]}", flush=True)
    return series


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--turns-per-client", type=int, default=20)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    result: dict = {"date": dt.date.today().isoformat(), "clients": args.clients}
    memory: dict = {}
    load: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        work, logs = Path(tmp), Path(tmp) / "logs"
        for cx_logging in (True, False):
            stack = start_ours(work, cx_logging, logs=logs)
            try:
                series = run_series(stack, OUR_SCRIPTS, args.clients, args.turns_per_client)
                result[stack.name] = series
                load[stack.name] = stack.load_seconds
                memory[stack.name] = {s.name: rss_mb(s) for s in stack.servers}
            finally:
                stack.stop()
        stock = start_stock(work, logs)
        try:
            result["stock"] = run_series(stock, STOCK_SCRIPTS, args.clients, args.turns_per_client)
            load["stock"] = stock.load_seconds
            memory["stock"] = {stock.rasa.name: rss_mb(stock.rasa)}
        finally:
            stock.stop()
    result["ratio_p50_ours_to_stock"] = {
        n: round(result["ours"][n]["p50_ms"] / result["stock"][n]["p50_ms"], 2)
        for n in result["ours"]
    }
    overheads = [
        (result["ours"][n]["p50_ms"] / result["ours-no-cx-logging"][n]["p50_ms"] - 1) * 100
        for n in result["ours"]
    ]
    result["logging_overhead_pct"] = round(statistics.fmean(overheads), 1)
    result["model_load_seconds"] = load
    result["memory_rss_mb"] = memory
    train_json = ROOT / "models" / "assistant.train.json"
    result["train_seconds"] = {
        "ours": json.loads(train_json.read_text())["seconds"] if train_json.exists() else None,
        "stock_rasa_init": stock.train_seconds,
    }
    result["command"] = " ".join([".venv/bin/python", "bench/latency.py", *sys.argv[1:]])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
