"""The web process keeps asyncio's own event-loop policy after Rasa is loaded, so the review app
can still start its training and comparison subprocesses (a fresh interpreter: the policy is
process-wide)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from bot.testing.processes import PROJECT_ROOT

SCRIPT = textwrap.dedent(
    """
    import asyncio
    from dataclasses import replace
    from bot.settings import Settings
    from bot.web import create_web_app

    create_web_app(replace(Settings(), review_secret_key="k" * 48))
    import rasa.core.channels  # what the NLU pages' encoder pulls in: aiogram among others

    async def run_child() -> int:
        child = await asyncio.create_subprocess_exec("true")
        return await child.wait()

    print(type(asyncio.get_event_loop_policy()).__module__, asyncio.run(run_child()))
    """
)


def test_loading_rasa_leaves_the_web_process_able_to_start_subprocesses() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=PROJECT_ROOT, capture_output=True, text=True,
        timeout=300, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-2:] == ["asyncio.unix_events", "0"], done.stdout
