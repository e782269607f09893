"""CPU per turn of our Rasa process and where it goes: a py-spy profile under the issue-17 workload.

Starts backend + action server + Rasa (bench/stack.py), warms up, then N concurrent customers
each hold the workload conversation over REST while py-spy samples the Rasa process. CPU time is
read from /proc (user + system) before and after, so the number barely moves when the machine is
shared, unlike wall-clock latency. Writes the raw py-spy stacks and a summary (CPU ms per turn
per process, top functions by inclusive share of the busy samples) to bench/results/.

    .venv/bin/python bench/profile_turns.py --customers 10 --conversations 3 --label before
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stack import VENV_BIN, Stack, cpu_seconds, start_ours  # noqa: E402 (bench-local modules)
from workloads import OURS  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
# Where the issue said the CPU goes: their inclusive shares are reported by name.
FOCUS = [
    "TrackerStore.retrieve",
    "TrackerStore.save",
    "Event.resolve_by_type",
    "_validate_action_result",
    "RemoteAction.run",
    "SentenceEmbeddingFeaturizer.process",
    "FaqAnswerSelector.process",
    "MessageProcessor._predict_next_with_tracker",
    "RulePolicy.predict_action_probabilities",
    "MemoizationPolicy.predict_action_probabilities",
]
WORKLOAD = OURS[0]


async def conversation(session: aiohttp.ClientSession, url: str) -> int:
    sender = f"profile-{uuid.uuid4().hex[:12]}"
    for text in WORKLOAD:
        async with session.post(url, json={"sender": sender, "message": text}) as reply:
            await reply.read()
            reply.raise_for_status()
    return len(WORKLOAD)


async def drive(url: str, customers: int, conversations: int) -> int:
    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def customer() -> int:
            return sum([await conversation(session, url) for _ in range(conversations)])

        return sum(await asyncio.gather(*(customer() for _ in range(customers))))


def inclusive_shares(raw: Path, top: int) -> list[tuple[str, float]]:
    """Share of busy samples whose stack contains each function (collapsed-stack input)."""
    counts: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples = int(count)
        total += samples
        # "func (path/to/file.py:123)" -> "func (file.py)": count a function once per stack
        frames = {f.rsplit(":", 1)[0].replace("site-packages/", "") for f in stack.split(";")}
        for frame in frames:
            counts[frame] += samples
    return (
        [(frame, round(100 * n / total, 1)) for frame, n in counts.most_common(top)]
        if total
        else []
    )


def measure(
    stack: Stack, customers: int, conversations: int, raw: Path | None, sampled: str = "rasa-ours"
) -> dict:
    url = f"{stack.base_url}/webhooks/rest/webhook"
    asyncio.run(drive(url, 2, 1))  # warm-up: first-call caches, lazy imports
    pids = {server.name: server.pid for server in stack.servers}
    spy = None
    if raw is not None:
        spy = subprocess.Popen(  # noqa: S603
            [str(VENV_BIN / "py-spy"), "record", "--pid", str(pids[sampled]), "--format", "raw",
             "--rate", "100", "--output", str(raw), "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(1.0)
    before = {name: cpu_seconds([pid]) for name, pid in pids.items()}
    started = time.perf_counter()
    turns = asyncio.run(drive(url, customers, conversations))
    wall = time.perf_counter() - started
    after = {name: cpu_seconds([pid]) for name, pid in pids.items()}
    if spy is not None:
        spy.send_signal(2)  # SIGINT: py-spy writes its output and exits
        spy.wait(60)
    return {
        "turns": turns,
        "wall_s": round(wall, 1),
        "cpu_ms_per_turn": {n: round(1000 * (after[n] - before[n]) / turns, 1) for n in pids},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10)
    parser.add_argument("--conversations", type=int, default=3, help="per customer")
    parser.add_argument("--label", default="current", help="names the output files")
    parser.add_argument("--no-profile", action="store_true", help="CPU numbers only")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--process", default="rasa-ours", choices=["rasa-ours", "actions", "backend"],
        help="the server py-spy samples",
    )  # fmt: skip
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    raw = None if args.no_profile else RESULTS / f"profile-{args.label}.raw.txt"
    with tempfile.TemporaryDirectory() as tmp:
        stack = start_ours(Path(tmp))
        try:
            result = measure(stack, args.customers, args.conversations, raw, args.process)
        finally:
            stack.stop()
    result.update(
        label=args.label, customers=args.customers, sampled=args.process, workload=WORKLOAD
    )
    if raw is not None and raw.exists():
        shares = inclusive_shares(raw, 100_000)
        result["focus_inclusive_pct"] = {
            name: max((pct for frame, pct in shares if name in frame), default=0.0)
            for name in FOCUS
        }
        result["top_inclusive_pct"] = [(f, pct) for f, pct in shares if pct < 95][: args.top]
    out = RESULTS / f"profile-{args.label}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
