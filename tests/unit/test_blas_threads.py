"""The Rasa server process runs numpy's BLAS on one thread (bot/rasa_server.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bot.testing.processes import PROJECT_ROOT

PROBE = """
import json, bot.rasa_server, numpy, scipy.sparse, threadpoolctl
print(json.dumps([pool["num_threads"] for pool in threadpoolctl.threadpool_info()
                  if pool["user_api"] == "blas"]))
"""


def blas_threads(**env: str) -> list[int]:
    clean = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    result = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", PROBE], cwd=PROJECT_ROOT, env={**clean, **env},
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_blas_runs_on_one_thread_in_the_rasa_process() -> None:
    threads = blas_threads()
    assert threads and set(threads) == {1}


def test_an_operators_own_setting_wins() -> None:
    assert set(blas_threads(OPENBLAS_NUM_THREADS="2")) == {2}
