"""Start our stack (backend + action server + Rasa) or a stock `rasa init` bot for benchmarks.

Bench-local on purpose: benchmarks must not import tests/. Every server runs from this venv on a
free loopback port, in its own process group, logging to a file under the work directory. The
REST channel's rate limits are raised (all load comes from one loopback address) and everything
else is the shipped configuration: endpoints.yml's tracker store, event broker and lock store.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
BENCH_TOKEN = "bench-token-" + uuid.uuid4().hex
# Rate limits high enough that the load generator on 127.0.0.1 is never throttled.
UNTHROTTLED = {
    "sender_per_minute": 100_000,
    "sender_burst": 10_000,
    "ip_per_minute": 1_000_000,
    "ip_burst": 100_000,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _responds(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (http only)
            return response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


@dataclass
class Server:
    """One server process, its log in `log_dir`; stopped with its whole process group."""

    name: str
    command: list[str]
    health_url: str
    log_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 900.0) -> Server:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **self.env}
        with (self.log_dir / f"{self.name}.log").open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own command line)
                self.command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.tail()}")
            if _responds(self.health_url):
                return self
            time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"{self.name} not up after {timeout_s}s:\n{self.tail()}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def tail(self, lines: int = 40) -> str:
        path = self.log_dir / f"{self.name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@dataclass
class Stack:
    """A bot under test: its Rasa server plus the servers it calls."""

    name: str
    rasa: Server
    others: list[Server] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return self.rasa.health_url.removesuffix("/status")

    @property
    def servers(self) -> list[Server]:
        return [self.rasa, *self.others]

    def stop(self) -> None:
        for server in reversed(self.servers):
            server.stop()


def rasa_command(
    port: int, model: Path, endpoints: Path, credentials: Path, ours: bool = False
) -> list[str]:
    """Ours as the Procfile starts it (``bot.rasa_server``: the API behind RASA_AUTH_TOKEN);
    the stock bot as ``rasa init`` leaves it (``rasa run --enable-api``)."""
    start = [str(VENV_BIN / "python"), "-m", "bot.rasa_server"] if ours else [
        str(VENV_BIN / "rasa"), "run", "--enable-api",
    ]  # fmt: skip
    return [
        *start,
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--model",
        str(model),
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(credentials),
    ]


def rasa_server(
    name: str,
    model: Path,
    endpoints: Path,
    credentials: Path,
    logs: Path,
    env: dict[str, str],
    ours: bool = False,
) -> Server:
    port = free_port()
    env = {"SANIC_REQUEST_MAX_SIZE": "1048576", **env}
    command = rasa_command(port, model, endpoints, credentials, ours)
    return Server(name, command, f"http://127.0.0.1:{port}/status", logs, env)


def our_endpoints(work: Path, action_url: str, cx_logging: bool) -> Path:
    """endpoints.yml with this run's action server and a private tracker database."""
    text = (ROOT / "endpoints.yml").read_text().replace("${ACTION_SERVER_URL}", action_url)
    config = yaml.safe_load(text)
    config["tracker_store"]["db"] = str(work / "tracker.db")
    if not cx_logging:
        config.pop("event_broker", None)
    path = work / "endpoints.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def our_credentials(work: Path) -> Path:
    config = yaml.safe_load((ROOT / "credentials.yml").read_text())
    config["bot.channels.guarded_rest.GuardedRestInput"].update(UNTHROTTLED)
    path = work / "credentials.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def start_ours(work: Path, cx_logging: bool = True, model: Path | None = None) -> Stack:
    """Backend (migrated and seeded) + action server + Rasa with the shipped endpoints."""
    work.mkdir(parents=True, exist_ok=True)
    logs = work / "logs"
    backend_port = free_port()
    env = {
        "BACKEND_TOKEN": BENCH_TOKEN,
        "BACKEND_PORT": str(backend_port),
        "BACKEND_DATABASE_URL": f"sqlite+aiosqlite:///{work / 'backend.db'}",
        "BACKEND_URL": f"http://127.0.0.1:{backend_port}/api/v1",
        "CX_DATABASE_URL": f"sqlite+aiosqlite:///{work / 'cxlog.db'}",
        "BOT_VAR_DIR": str(work / "var"),
        "BOT_HOST": "127.0.0.1",
        "RASA_AUTH_TOKEN": BENCH_TOKEN,
        "ACTION_SERVER_TOKEN": BENCH_TOKEN,
    }
    python = str(VENV_BIN / "python")
    for step in ("migrate", "seed"):
        subprocess.run(
            [python, "-m", "bot", "backend", step], cwd=ROOT, env={**os.environ, **env}, check=True
        )
    backend = Server(
        "backend",
        [python, "-m", "bot", "backend", "serve"],
        f"http://127.0.0.1:{backend_port}/api/v1/health",
        logs,
        env,
    ).start()
    action_port = free_port()
    actions = Server(
        "actions",
        [python, "-m", "actions.server", "--port", str(action_port)],
        f"http://127.0.0.1:{action_port}/health",
        logs,
        env,
    )
    stack = Stack(
        "ours",
        rasa_server(
            "rasa-ours",
            model or ROOT / "models" / "assistant.tar.gz",
            our_endpoints(work, f"http://127.0.0.1:{action_port}/webhook", cx_logging),
            our_credentials(work),
            logs,
            env,
            ours=True,
        ),
        [backend],
    )
    try:
        actions.start()
        stack.others.insert(0, actions)
        stack.rasa.start()
    except Exception:
        stack.stop()
        raise
    return stack


def start_stock(work: Path) -> Stack:
    """`rasa init` (it trains the moodbot) in `work`, served with its default endpoints."""
    project = work / "stock"
    if not any((project / "models").glob("*.tar.gz")):
        project.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project)],
            cwd=work,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    model = next((project / "models").glob("*.tar.gz"))
    credentials = project / "credentials.yml"
    rasa = rasa_server(
        "rasa-stock", model, project / "endpoints.yml", credentials, work / "logs", {}
    )
    return Stack("stock", rasa.start())


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds used so far by these processes (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks
