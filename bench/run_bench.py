"""`make bench`: our bot vs a stock `rasa init` bot under the same Locust load, in one run.

Starts both stacks (bench/stack.py: ours = backend + action server + Rasa with the shipped
endpoints; stock = the moodbot that `rasa init` trains, cached under var/bench/), then for each
user count runs Locust headless (bench/locustfile.py) against ours and then against stock with
identical settings. Per run it records turns/s, p50 and p95 from Locust's CSV, the CPU the bot's
own processes used per turn (/proc, user + system) and the whole machine's CPU per turn
(/proc/stat, so it includes Locust and anything else running: compare it on a quiet machine).
Writes bench/results/bench.json and bench/results/bench.md (the table with ratios ours/stock).

    .venv/bin/python bench/run_bench.py [--users 1 10 50] [--run-time 60]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stack import ROOT, VENV_BIN, Stack, cpu_seconds, start_ours, start_stock  # noqa: E402

RESULTS = ROOT / "bench" / "results"
STOCK_DIR = ROOT / "var" / "bench"  # the trained moodbot is reused across runs


def machine_cpu_seconds() -> float:
    """Busy CPU seconds of the whole machine so far (all cores; idle and iowait excluded)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    busy = sum(fields[:8]) - fields[3] - fields[4]  # minus idle, iowait (guest is in user)
    return busy / os.sysconf("SC_CLK_TCK")


def locust(stack: Stack, workload: str, users: int, run_time: int, out: Path) -> dict:
    """One headless Locust run; its aggregated numbers plus CPU per turn."""
    prefix = out / f"{stack.name}-{users}"
    command = [
        str(VENV_BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
        "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{run_time}s",
        "--host", stack.base_url, "--csv", str(prefix), "--only-summary", "--stop-timeout", "30",
    ]  # fmt: skip
    pids = [server.pid for server in stack.servers]
    bot_before, machine_before = cpu_seconds(pids), machine_cpu_seconds()
    subprocess.run(  # noqa: S603 (our own command line)
        command, env={**os.environ, "BENCH_WORKLOAD": workload}, check=False,
        stdout=subprocess.DEVNULL, stderr=(out / f"{stack.name}-{users}.log").open("w"),
    )  # fmt: skip
    bot_cpu = cpu_seconds(pids) - bot_before
    machine_cpu = machine_cpu_seconds() - machine_before
    with (prefix.parent / f"{prefix.name}_stats.csv").open() as stats:
        row = next(r for r in csv.DictReader(stats) if r["Name"] == "Aggregated")
    turns = int(row["Request Count"])
    return {
        "turns": turns,
        "failures": int(row["Failure Count"]),
        "turns_per_s": round(float(row["Requests/s"]), 2),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "bot_cpu_ms_per_turn": round(1000 * bot_cpu / turns, 1) if turns else None,
        "machine_cpu_ms_per_turn": round(1000 * machine_cpu / turns, 1) if turns else None,
    }


def warm_up(stack: Stack, workload: str, out: Path) -> None:
    locust(stack, workload, 2, 10, out)


def ratio(ours: float | None, stock: float | None) -> float | None:
    return round(ours / stock, 2) if ours and stock else None


def table(result: dict) -> str:
    lines = [
        "| users | bot | turns/s | bot CPU ms/turn | machine CPU ms/turn | p50 ms | p95 ms "
        "| failures |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    keys = ["turns_per_s", "bot_cpu_ms_per_turn", "machine_cpu_ms_per_turn", "p50_ms", "p95_ms"]
    for users, runs in result["runs"].items():
        for bot in ("ours", "stock"):
            values = " | ".join(str(runs[bot][k]) for k in keys)
            lines.append(f"| {users} | {bot} | {values} | {runs[bot]['failures']} |")
        ratios = " | ".join(str(ratio(runs["ours"][k], runs["stock"][k])) for k in keys)
        lines.append(f"| {users} | **ours/stock** | {ratios} | |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--run-time", type=int, default=60, help="seconds per Locust run")
    args = parser.parse_args()
    result: dict = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "bench/run_bench.py", *sys.argv[1:]]),
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "run_time_s": args.run_time,
        "runs": {},
    }
    STOCK_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        out = work / "locust"
        out.mkdir()
        stacks = {"stock": start_stock(STOCK_DIR), "ours": start_ours(work / "ours")}
        try:
            warm_up(stacks["ours"], "ours", out)
            warm_up(stacks["stock"], "stock", out)
            for users in args.users:
                runs = {}
                for bot in ("ours", "stock"):
                    time.sleep(2)  # let the previous run's stragglers finish
                    runs[bot] = locust(stacks[bot], bot, users, args.run_time, out)
                    print(f"[{bot}] users={users}: {runs[bot]}", flush=True)
                result["runs"][str(users)] = runs
        finally:
            for stack in stacks.values():
                stack.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench.json").write_text(json.dumps(result, indent=2) + "\n")
    markdown = f"`{result['command']}` ({result['date']}, {result['cpus']} CPUs)\n\n{table(result)}"
    (RESULTS / "bench.md").write_text(markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
