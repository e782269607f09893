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
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import yaml
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.cxlog.models import Conversation, Turn  # noqa: E402 (needs the project root on sys.path)
from bot.cxlog.store import CXStore  # noqa: E402
from tests.support.processes import (  # noqa: E402
    VENV_BIN,
    ServerProcess,
    action_server,
    free_port,
    rasa_server,
    write_credentials,
    write_endpoints,
)

RESULTS = ROOT / "bench" / "results" / "cx_logging_overhead.json"
MODEL = ROOT / "models" / "assistant.tar.gz"
SCRIPT = ["hi", "where is my order #10001", "my email is jo.bench@example.com", "thanks", "bye"]
SENDER_PREFIX = "cxbench-"
PAUSE_S = 1.5


def start_services(work: Path, logs: Path) -> tuple[dict[str, ServerProcess], dict[str, str]]:
    """Backend, action server and the two Rasa servers (logging on / off)."""
    backend_port = free_port()
    token = "bench-" + uuid.uuid4().hex
    env = {
        "BACKEND_TOKEN": token,
        "BACKEND_PORT": str(backend_port),
        "BACKEND_DATABASE_URL": f"sqlite+aiosqlite:///{work / 'backend.db'}",
        "BACKEND_URL": f"http://127.0.0.1:{backend_port}/api/v1",
        "CX_DATABASE_URL": f"sqlite+aiosqlite:///{work / 'cxlog.db'}",
        "BOT_VAR_DIR": str(work / "var"),
    }
    python = str(VENV_BIN / "python")
    full_env = {**os.environ, **env}
    for step in (["backend", "migrate"], ["backend", "seed"], ["cxlog", "migrate"]):
        subprocess.run([python, "-m", "bot", *step], cwd=ROOT, env=full_env, check=True)
    backend = ServerProcess(
        "backend", [python, "-m", "bot", "backend", "serve"],
        f"http://127.0.0.1:{backend_port}/api/v1/health", logs, env,
    ).start()  # fmt: skip
    action_port = free_port()
    actions = action_server(action_port, logs, env).start()
    servers = {"backend": backend, "actions": actions}
    for mode in ("on", "off"):
        directory = work / f"logging-{mode}"
        directory.mkdir()
        endpoints = write_endpoints(directory, f"http://127.0.0.1:{action_port}/webhook")
        config = yaml.safe_load(endpoints.read_text())
        if mode == "on":
            assert config["event_broker"]["type"] == "bot.cxlog.broker.CXLogEventBroker"
        else:
            config.pop("event_broker")
        endpoints.write_text(yaml.safe_dump(config))
        credentials = write_credentials(directory, ip_per_minute=1_000_000, ip_burst=100_000)
        servers[mode] = rasa_server(
            free_port(), MODEL, endpoints, logs, env, name=f"rasa-logging-{mode}",
            credentials=credentials,
        ).start(300)  # fmt: skip
    return servers, env


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


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


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
        servers, env = start_services(work, work / "logs")
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
            logged = asyncio.run(logged_user_turns(env["CX_DATABASE_URL"], sent_to_logging))
        finally:
            for server in servers.values():
                server.stop()

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
