"""Our stack (backend + action server + Rasa) or a stock `rasa init` bot, for benchmarks.

Our servers are started by the product's own harness (bot/testing/, shared with the test suite),
each from this venv on a free loopback port, in its own process group, logging to a file under
the work directory. The REST channel's rate limits are raised (all load comes from one loopback
address) and everything else is the shipped configuration: endpoints.yml's tracker store, event
broker and lock store (``cx_logging=False`` drops the event broker).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.testing.processes import (  # noqa: E402 (needs the project root on sys.path)
    BACKEND_TOKEN,
    VENV_BIN,
    ServerProcess,
    action_server,
    configured_rasa,
    free_port,
    rasa_server,
    start_backend,
)
from bot.testing.project import sqlite_url  # noqa: E402

MODEL = ROOT / "models" / "assistant.tar.gz"
# Loading the model on a busy shared machine can take minutes.
BOOT_TIMEOUT_S = 900.0
# Rate limits high enough that the load generator on 127.0.0.1 is never throttled.
UNTHROTTLED = {
    "sender_per_minute": 100_000,
    "sender_burst": 10_000,
    "ip_per_minute": 1_000_000,
    "ip_burst": 100_000,
}


@dataclass
class Stack:
    """A bot under test: its Rasa server plus the servers it calls."""

    name: str
    rasa: ServerProcess
    others: list[ServerProcess] = field(default_factory=list)
    load_seconds: float = 0.0
    train_seconds: float | None = None

    @property
    def base_url(self) -> str:
        return self.rasa.health_url.removesuffix("/status")

    @property
    def webhook(self) -> str:
        return f"{self.base_url}/webhooks/rest/webhook"

    @property
    def servers(self) -> list[ServerProcess]:
        return [self.rasa, *self.others]

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


@dataclass
class Services:
    """What our Rasa servers call: the backend and the action server, and Rasa's settings."""

    backend: ServerProcess
    actions: ServerProcess
    action_url: str
    rasa_env: dict[str, str]

    def stop(self) -> None:
        for server in (self.actions, self.backend):
            server.stop()


def start_services(work: Path, logs: Path) -> Services:
    """The backend (migrated and seeded) and the action server pointed at it."""
    work.mkdir(parents=True, exist_ok=True)
    backend, api_url = start_backend(work, logs, timeout_s=BOOT_TIMEOUT_S)
    action_port = free_port()
    env = {"BACKEND_URL": api_url, "BACKEND_TOKEN": BACKEND_TOKEN}
    try:
        actions = action_server(action_port, logs, env).start(BOOT_TIMEOUT_S)
    except Exception:
        backend.stop()
        raise
    rasa_env = {"CX_DATABASE_URL": sqlite_url(work / "cxlog.db"), "BOT_VAR_DIR": str(work / "var")}
    return Services(backend, actions, f"http://127.0.0.1:{action_port}/webhook", rasa_env)


def start_our_rasa(
    name: str, services: Services, work: Path, logs: Path, cx_logging: bool, model: Path = MODEL
) -> Stack:
    """Our Rasa (``bot.rasa_server``) with its own endpoints and unthrottled credentials."""
    directory = work / name
    directory.mkdir(parents=True, exist_ok=True)
    without = () if cx_logging else ("event_broker",)
    rasa = configured_rasa(
        directory, services.action_url, model, logs, services.rasa_env, f"rasa-{name}",
        without=without, rest_limits=UNTHROTTLED,
    )  # fmt: skip
    started = time.perf_counter()
    rasa.start(BOOT_TIMEOUT_S)
    return Stack(name, rasa, load_seconds=round(time.perf_counter() - started, 1))


def start_ours(
    work: Path, cx_logging: bool = True, model: Path | None = None, logs: Path | None = None
) -> Stack:
    """Backend (migrated and seeded) + action server + Rasa with the shipped endpoints."""
    logs = logs or work / "logs"
    services = start_services(work, logs)
    name = "ours" if cx_logging else "ours-no-cx-logging"
    try:
        stack = start_our_rasa(name, services, work, logs, cx_logging, model or MODEL)
    except Exception:
        services.stop()
        raise
    stack.others = [services.actions, services.backend]
    return stack


def start_stock(work: Path, logs: Path | None = None) -> Stack:
    """`rasa init` (it trains the moodbot) in `work` unless a trained one is there, served as
    `rasa init` leaves it (``rasa run --enable-api``, its default endpoints and credentials)."""
    project = work / "stock"
    train_seconds = None
    if not any((project / "models").glob("*.tar.gz")):
        project.mkdir(parents=True, exist_ok=True)  # rasa init refuses a missing directory
        started = time.perf_counter()
        subprocess.run(
            [str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project)],
            cwd=work,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        train_seconds = round(time.perf_counter() - started, 1)
    model = next((project / "models").glob("*.tar.gz"))
    started = time.perf_counter()
    rasa = rasa_server(
        free_port(),
        model,
        project / "endpoints.yml",
        logs or work / "logs",
        name="rasa-stock",
        credentials=project / "credentials.yml",
        launcher=[str(VENV_BIN / "rasa"), "run", "--enable-api"],
    ).start(BOOT_TIMEOUT_S)
    load_seconds = round(time.perf_counter() - started, 1)
    return Stack("stock", rasa, load_seconds=load_seconds, train_seconds=train_seconds)


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds used so far by these processes (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def rss_mb(server: ServerProcess) -> float | None:
    """Resident memory of the server process (Linux /proc), in MB."""
    if server.process is None:
        return None
    try:
        for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile (unrounded)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]
