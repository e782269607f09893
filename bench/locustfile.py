"""Locust load test: simulated customers holding whole conversations over Rasa's REST channel.

Each user is one customer at a time: it starts a new conversation (fresh sender id), sends the
turns of a workload script one after another, each as soon as the previous reply arrived
(closed loop, no think time: the bot's capacity is what is measured), then starts the next.
Every turn is reported under the one name "turn". BENCH_WORKLOAD picks the scripts
(bench/workloads.py: "ours" or "stock"). bench/run_bench.py runs this headless for both bots;
by hand:

    BENCH_WORKLOAD=ours .venv/bin/locust -f bench/locustfile.py --headless -u 10 -r 10 \\
        --run-time 60s --host http://127.0.0.1:5005
"""

from __future__ import annotations

import itertools
import os
import sys
import uuid
from pathlib import Path

from locust import HttpUser, task

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import WORKLOADS  # noqa: E402 (bench-local module)

SCRIPTS = WORKLOADS[os.environ.get("BENCH_WORKLOAD", "ours")]
_users = itertools.count()


class Customer(HttpUser):
    """One customer after another, each holding one scripted conversation."""

    def on_start(self) -> None:
        first = next(_users) % len(SCRIPTS)  # users start at different scripts
        self.scripts = itertools.cycle(SCRIPTS[first:] + SCRIPTS[:first])

    @task
    def conversation(self) -> None:
        sender = f"locust-{uuid.uuid4().hex[:12]}"
        for text in next(self.scripts):
            with self.client.post(
                "/webhooks/rest/webhook",
                json={"sender": sender, "message": text},
                name="turn",
                catch_response=True,
            ) as reply:
                if reply.status_code != 200 or not isinstance(reply.json(), list):
                    reply.failure(f"HTTP {reply.status_code}")
                    return
