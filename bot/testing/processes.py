"""Start the product's real servers as subprocesses on free loopback ports and stop them cleanly.

Tests and benchmarks talk to these over HTTP exactly like production clients do; nothing of ours
is mocked. Every server is started as the Procfile starts it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import yaml

from bot.testing.project import PROJECT_ROOT, sqlite_url

VENV_BIN = Path(sys.executable).parent
# The keys `make run` generates into .env; the test servers get these fixed ones.
RASA_AUTH_TOKEN = "tests-rasa-api-token-8d2f41"
ACTION_SERVER_TOKEN = "tests-action-server-token-3b9e07"
SERVER_TOKENS = {"RASA_AUTH_TOKEN": RASA_AUTH_TOKEN, "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN}
BACKEND_TOKEN = "widget-tests-backend-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _responds(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


class ServerProcess:
    """One real server process; its output goes to a log file that failures print."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        health_url: str,
        log_dir: Path,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.command = list(command)
        self.health_url = health_url
        self.log_path = log_dir / f"{name}.log"
        self.env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    def launch(self) -> ServerProcess:
        """Start the process without waiting (see :meth:`wait_ready`), to boot several at once."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own command line)
                self.command,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def wait_ready(self, timeout_s: float = 180.0) -> ServerProcess:
        assert self.process is not None, "launch() first"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"{self.name} exited with {code}:\n{self.tail()}")
            if _responds(self.health_url):
                return self
            time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"{self.name} not up after {timeout_s}s:\n{self.tail()}")

    def start(self, timeout_s: float = 180.0) -> ServerProcess:
        return self.launch().wait_ready(timeout_s)

    def tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout_s: float = 15.0) -> None:
        """SIGTERM the whole process group, SIGKILL it if it does not stop in time."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    @property
    def pid(self) -> int:
        assert self.process is not None, "launch() first"
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """Kill without warning, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def bot_cli(env: dict[str, str], *args: str, stdin: str = "") -> None:
    """``python -m bot ARGS`` in the project root with ``env`` (the whole environment)."""
    python = str(VENV_BIN / "python")
    subprocess.run(  # noqa: S603 (our own command line)
        [python, "-m", "bot", *args], input=stdin.encode(), cwd=PROJECT_ROOT, env=env, check=True
    )


def backend_server(
    database_url: str,
    log_dir: Path,
    token: str = BACKEND_TOKEN,
    name: str = "backend",
    env: dict[str, str] | None = None,
) -> ServerProcess:
    """``python -m bot backend serve`` on a free port (not started; the database as it is)."""
    port = free_port()
    env = {
        "BOT_HOST": "127.0.0.1",
        "BACKEND_PORT": str(port),
        "BACKEND_DATABASE_URL": database_url,
        "BACKEND_TOKEN": token,
        **(env or {}),
    }
    command = [str(VENV_BIN / "python"), "-m", "bot", "backend", "serve"]
    return ServerProcess(name, command, f"http://127.0.0.1:{port}/api/v1/health", log_dir, env)


def backend_api_url(backend: ServerProcess) -> str:
    return backend.health_url.removesuffix("/health")


def migrate_and_seed_backend(database_url: str) -> None:
    """``bot backend migrate`` and ``bot backend seed`` through the real command line."""
    env = {**os.environ, "BACKEND_DATABASE_URL": database_url}
    for step in ("migrate", "seed"):
        bot_cli(env, "backend", step)


def start_backend(
    directory: Path,
    log_dir: Path,
    token: str = BACKEND_TOKEN,
    name: str = "backend",
    timeout_s: float = 180.0,
) -> tuple[ServerProcess, str]:
    """The reference backend on a migrated, seeded database; returns it and its API URL."""
    database_url = sqlite_url(directory / "backend.db")
    migrate_and_seed_backend(database_url)
    server = backend_server(database_url, log_dir, token, name).start(timeout_s)
    return server, backend_api_url(server)


def action_server(
    port: int, log_dir: Path, env: dict[str, str] | None = None, name: str = "actions"
) -> ServerProcess:
    """``python -m actions.server`` as the Procfile starts it, with the test secret."""
    command = [str(VENV_BIN / "python"), "-m", "actions.server", "--port", str(port)]
    env = {"BOT_HOST": "127.0.0.1", **SERVER_TOKENS, **(env or {})}
    return ServerProcess(name, command, f"http://127.0.0.1:{port}/health", log_dir, env)


def write_endpoints(
    directory: Path,
    action_url: str,
    overrides: dict | None = None,
    without: Sequence[str] = (),
) -> Path:
    """A copy of endpoints.yml with a private tracker database and the given action server.

    The tracker store keeps its shipped type and options (the cached SQL store); only its
    database file moves into `directory`. ``without`` names sections to drop (``event_broker``:
    no CX logging).
    """
    text = (
        (PROJECT_ROOT / "endpoints.yml")
        .read_text()
        .replace("${ACTION_SERVER_URL}", action_url)
        .replace("${ACTION_SERVER_TOKEN}", ACTION_SERVER_TOKEN)
    )
    config = yaml.safe_load(text)
    tracker_db = str(directory / "tracker.db")
    config["tracker_store"] = {**config["tracker_store"], "dialect": "sqlite", "db": tracker_db}
    config.update(overrides or {})
    for section in without:
        config.pop(section, None)
    path = directory / "endpoints.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def rasa_server(
    port: int,
    model: Path,
    endpoints: Path,
    log_dir: Path,
    env: dict[str, str] | None = None,
    name: str = "rasa",
    credentials: Path = PROJECT_ROOT / "credentials.yml",
    launcher: Sequence[str] = (),
) -> ServerProcess:
    """``python -m bot.rasa_server`` as the Procfile starts it: API behind the test token.

    Its health URL (``/status``) answers 401 without the token, which still proves it is up.
    ``launcher`` replaces ``python -m bot.rasa_server`` (the benchmarks' stock bot runs as
    ``rasa run --enable-api``).
    """
    launcher = list(launcher) or [str(VENV_BIN / "python"), "-m", "bot.rasa_server"]
    command = [
        *launcher, "--interface", "127.0.0.1",
        "--port", str(port), "--model", str(model), "--endpoints", str(endpoints),
        "--credentials", str(credentials),
    ]  # fmt: skip
    env = {"SANIC_REQUEST_MAX_SIZE": "1048576", **SERVER_TOKENS, **(env or {})}
    return ServerProcess(name, command, f"http://127.0.0.1:{port}/status", log_dir, env)


# Every client of a test server connects from 127.0.0.1: the REST channel's per-address limits
# are raised (the limiter itself is unit-tested); the per-sender ones stay as shipped.
LOOPBACK_LIMITS = {"ip_per_minute": 100_000, "ip_burst": 10_000}


def configured_rasa(
    directory: Path,
    action_url: str,
    model: Path,
    log_dir: Path,
    env: dict[str, str] | None = None,
    name: str = "rasa",
    port: int | None = None,
    without: Sequence[str] = (),
    rest_limits: dict[str, int] | None = None,
) -> ServerProcess:
    """Rasa (on ``port``, a free one if None) with its own endpoints.yml (a private tracker
    database, ``action_url``, no ``without`` sections) and credentials.yml (``rest_limits``,
    LOOPBACK_LIMITS unless given) written into ``directory``; not started."""
    endpoints = write_endpoints(directory, action_url, without=without)
    limits = LOOPBACK_LIMITS if rest_limits is None else rest_limits
    credentials = write_credentials(directory, **limits)
    return rasa_server(port or free_port(), model, endpoints, log_dir, env, name, credentials)


def api_url(rasa: ServerProcess, path: str, **params: str) -> str:
    """A URL of Rasa's HTTP API with the test token (``path`` starts with a slash)."""
    query = urllib.parse.urlencode({**params, "token": RASA_AUTH_TOKEN})
    return rasa.health_url.removesuffix("/status") + f"{path}?{query}"


def say(
    rasa: ServerProcess, sender: str, text: str, metadata: dict | None = None, timeout_s: float = 60
) -> list[dict]:
    """One customer message over the REST channel; the bot's replies (non-2xx raises)."""
    url = rasa.health_url.replace("/status", "/webhooks/rest/webhook")
    payload = {"sender": sender, "message": text, **({"metadata": metadata} if metadata else {})}
    request = urllib.request.Request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        return json.load(response)


def write_credentials(directory: Path, **rest_limits: int) -> Path:
    """A copy of credentials.yml with other REST limits (load tests need higher rate limits)."""
    config = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text())
    config["bot.channels.guarded_rest.GuardedRestInput"].update(rest_limits)
    path = directory / "credentials.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def start_all(servers: Sequence[ServerProcess], timeout_s: float = 240.0) -> list[ServerProcess]:
    """Boot several servers in parallel (Rasa nodes load their models at the same time)."""
    for server in servers:
        server.launch()
    try:
        for server in servers:
            server.wait_ready(timeout_s)
    except Exception:
        for server in servers:
            server.stop()
        raise
    return list(servers)
