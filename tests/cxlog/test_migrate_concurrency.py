"""First start of the scale-out profile on an empty Postgres database: every process that
migrates on start (CX consumers, review app) may run the CX migrations at the same moment, and
all of them must succeed with the schema at head (issue 19: one died on cxlog_alembic_version)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import aio_pika

from bot.cxlog.database import create_engine
from bot.cxlog.migrate import schema_is_current
from bot.testing.processes import PROJECT_ROOT, ServerProcess, free_port

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"

MIGRATORS = 4
# Each process imports alembic first, then waits for the same instant to upgrade: the imports
# take longer than the migration, so without the barrier they would rarely overlap.
UPGRADE_AT_INSTANT = """
import sys, time
from bot.cxlog.migrate import upgrade
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
upgrade(sys.argv[1])
"""


async def _is_current(url: str) -> bool:
    engine = create_engine(url)
    try:
        return await schema_is_current(engine)
    finally:
        await engine.dispose()


def test_concurrent_migrations_on_an_empty_postgres_database_all_succeed(postgres_url: str):
    start_at = time.time() + 8.0
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", UPGRADE_AT_INSTANT, postgres_url, str(start_at)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(MIGRATORS)
    ]
    outputs = [process.communicate(timeout=180)[0] for process in processes]
    assert time.time() > start_at, "the processes must have met at the barrier"
    failures = [out for process, out in zip(processes, outputs, strict=True) if process.returncode]
    assert not failures, "\n---\n".join(failures)
    assert asyncio.run(_is_current(postgres_url))


def _consuming(consumer: ServerProcess) -> bool:
    return consumer.log_path.exists() and "cxlog: consuming" in consumer.log_path.read_text()


def test_scale_out_services_start_together_on_an_empty_postgres_database(
    postgres_url: str, tmp_path: Path
) -> None:
    """Procfile.scale's migrating services (two CX consumers here, and the review app) launched
    at once, as honcho does, without `bot prepare` having migrated first."""
    queue = f"cxlog-first-start-{uuid.uuid4().hex[:10]}"
    port = free_port()
    env = {
        "CX_DATABASE_URL": postgres_url,
        "RABBITMQ_QUEUE": queue,
        "REVIEW_SECRET_KEY": "first-start-" + uuid.uuid4().hex,
        "REVIEW_PORT": str(port),
        "BOT_HOST": "127.0.0.1",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    consume = [sys.executable, "-m", "bot", "cxlog", "consume"]
    consumers = [ServerProcess(f"cxlog-{n}", consume, "", tmp_path, env) for n in (1, 2)]
    review = ServerProcess(
        "review", [sys.executable, "-m", "bot", "review", "serve"],
        f"http://127.0.0.1:{port}/healthz", tmp_path, env,
    )  # fmt: skip
    services = [*consumers, review]
    try:
        for service in services:
            service.launch()
        review.wait_ready(timeout_s=120)
        deadline = time.monotonic() + 120
        while not all(_consuming(c) for c in consumers) and time.monotonic() < deadline:
            assert all(s.running for s in services), "\n".join(s.tail() for s in services)
            time.sleep(0.3)
        assert all(_consuming(c) for c in consumers), "\n".join(c.tail() for c in consumers)
        assert all(s.running for s in services), "\n".join(s.tail() for s in services)
        assert asyncio.run(_is_current(postgres_url))
    finally:
        for service in services:
            service.stop()
        asyncio.run(_delete_queue(queue))


async def _delete_queue(name: str) -> None:
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(name)
