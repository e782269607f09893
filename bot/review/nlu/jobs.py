"""One background job at a time (training or comparing a candidate), each in its own process.

Training and evaluation load TensorFlow and take minutes; in a separate process they never block
the review app's event loop and a crash there cannot take the app down. The process runs in its
own session so stopping the app stops its whole group (``rasa train`` is a grandchild).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

STOP_GRACE_S = 10.0


class Busy(Exception):
    """Another job is still running."""


@dataclass
class JobReport:
    kind: str | None = None  # "train" | "compare"
    running: bool = False
    exit_code: int | None = None
    started_at: str | None = None
    finished_at: str | None = None
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def last_line(path: Path) -> str:
    """The last non-empty line of a log: usually the error that ended the process."""
    if not path.exists():
        return ""
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1][-500:] if lines else ""


class JobRunner:
    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.report = JobReport()
        self._process: asyncio.subprocess.Process | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()

    @property
    def busy(self) -> bool:
        return self._process is not None and self._process.returncode is None

    def log_path(self, kind: str) -> Path:
        return self.log_dir / f"{kind}.log"

    async def start(
        self,
        kind: str,
        command: Sequence[str],
        cwd: Path,
        env: Mapping[str, str],
        judge: Callable[[int], str] | None = None,
    ) -> None:
        """Start ``command``; raise :class:`Busy` while another job runs.

        ``judge(exit_code)`` says what went wrong ("" for success) once the process has ended;
        by default any exit code but 0 is a failure.
        """
        async with self._starting:
            if self.busy:
                raise Busy(f"a {self.report.kind} job is still running")
            self.log_dir.mkdir(parents=True, exist_ok=True)
            with self.log_path(kind).open("wb") as log:
                self._process = await asyncio.create_subprocess_exec(
                    *command,
                    cwd=cwd,
                    env=dict(env),
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=log,
                    stderr=asyncio.subprocess.STDOUT,
                    start_new_session=True,
                )
            self.report = JobReport(kind=kind, running=True, started_at=_now())
            self._watcher = asyncio.create_task(self._watch(self._process, kind, judge))

    def failure(self, kind: str, code: int) -> str:
        """The default judgement: any exit code but 0 failed; the log says why."""
        if code == 0:
            return ""
        return last_line(self.log_path(kind)) or f"exited with code {code}"

    async def _watch(
        self, process: asyncio.subprocess.Process, kind: str, judge: Callable[[int], str] | None
    ) -> None:
        code = await process.wait()
        self.report.error = (judge or (lambda c: self.failure(kind, c)))(code)
        self.report.exit_code, self.report.finished_at = code, _now()
        self.report.running = False

    async def wait(self) -> None:
        """Until the current job (if any) has ended and been recorded."""
        if self._watcher is not None:
            await asyncio.shield(self._watcher)

    async def stop(self) -> None:
        """Stop a running job's whole process group (the app is shutting down)."""
        process = self._process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(self.wait(), STOP_GRACE_S)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await self.wait()
