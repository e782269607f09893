"""Start Rasa's server with its HTTP API behind ``RASA_AUTH_TOKEN``: ``python -m bot.rasa_server``.

Takes the arguments of ``rasa run`` (interface, port, model, endpoints, credentials) and adds
``--enable-api``, the token and the CORS origins from the settings. Rasa accepts its token only as
a command-line argument, which every local user can read with ``ps``; this entry point hands it
over inside the process instead. Without a token it refuses to start, since the API would then
let anyone read and rewrite any conversation (``make run`` always generates one).
"""

from __future__ import annotations

import os

# One BLAS thread, set before numpy loads OpenBLAS (it reads this once). The matrices of a turn
# are small (an intent scored against ~60 classes); OpenBLAS's extra threads only spin: a
# 500 x 70 product cost 68 us of CPU on its default threads and 12 us on one. An operator's own
# setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402 (after the BLAS setting)
from collections.abc import Sequence  # noqa: E402

from bot.settings import Settings, load_settings  # noqa: E402


def rasa_argv(settings: Settings, run_arguments: Sequence[str]) -> list[str]:
    """The ``rasa run`` command line Rasa's own CLI parses (never seen outside this process)."""
    argv = ["rasa", "run", "--enable-api", *run_arguments, "--auth-token", settings.rasa_auth_token]
    if settings.rasa_cors_origins:
        argv += ["--cors", *settings.rasa_cors_origins]
    return argv


def main() -> None:
    settings = load_settings()
    if not settings.rasa_auth_token:
        raise SystemExit(
            "RASA_AUTH_TOKEN is empty: Rasa's HTTP API will not run without a token "
            "(`python -m bot prepare` writes one to .env)"
        )
    from rasa.__main__ import main as rasa_main

    from bot.deploy import clause_intents, paused_turns

    paused_turns.install()
    clause_intents.install()
    sys.argv = rasa_argv(settings, sys.argv[1:])
    rasa_main()


if __name__ == "__main__":
    main()
