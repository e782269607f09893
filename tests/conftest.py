"""Fixtures shared by every suite: the trained model and the real Rasa + action servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.testing.full_stack import FullStack
from bot.testing.processes import (
    BACKEND_TOKEN,
    PROJECT_ROOT,
    ServerProcess,
    action_server,
    configured_rasa,
    free_port,
    start_backend,
)
from bot.testing.project import sqlite_url
from bot.testing.stack import TOKEN_SECRET
from bot.training.model import train
from bot.training.store import ModelStore

# Helper modules whose asserts are the tests' own: pytest explains their failures too.
pytest.register_assert_rewrite("tests.review.ground_truth")

# Modules on the machine's own Postgres, Redis, RabbitMQ and scale-out ports (fixed databases,
# keys and queues), and tests marked machine_services: under xdist they run on one worker, one
# after another.
SHARED_SERVICES = "machine-services"
SHARED_SERVICE_MODULES = {
    "tests/backend/test_postgres.py",
    "tests/cxlog/test_consumer.py",
    "tests/cxlog/test_migrate_concurrency.py",
    "tests/cxlog/test_store.py",
    "tests/cxlog/test_tracker_retention.py",
    "tests/review/test_postgres.py",
    "tests/scale/test_lock_store.py",
    "tests/scale/test_scale_out.py",
}


def _weight(item: pytest.Item) -> int:
    """Trainings first, then modules that start servers: the long ones must not end the run."""
    return 2 if item.get_closest_marker("trains") else 1 if item.get_closest_marker("slow") else 0


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Heaviest modules first, and one xdist group per module (``make test`` runs
    ``--dist loadgroup``), so a module's servers start once, on one worker."""
    module_of = {item: item.nodeid.split("::", 1)[0] for item in items}
    module_weight: dict[str, int] = {}
    for item, module in module_of.items():
        module_weight[module] = max(module_weight.get(module, 0), _weight(item))
    items.sort(key=lambda item: -module_weight[module_of[item]])  # stable
    for item, module in module_of.items():
        shared = module in SHARED_SERVICE_MODULES or item.get_closest_marker("machine_services")
        group = SHARED_SERVICES if shared else module
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The project's model, trained first if the data changed (``make test`` trains before)."""
    store = ModelStore(PROJECT_ROOT / "models", PROJECT_ROOT / "var" / "training")
    train(store)
    return store.current


@pytest.fixture(scope="module")
def stack(
    request: pytest.FixtureRequest,
    trained_model: Path,
    server_logs: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[FullStack]:
    """Backend + action server + Rasa for the module that asks for it, started once (Rasa takes
    long to boot), with the module's ``STACK_OPTIONS`` (FullStack's keyword arguments)."""
    options = getattr(request.module, "STACK_OPTIONS", {})
    directory = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    with FullStack(trained_model, directory, server_logs, **options) as running:
        yield running


@pytest.fixture(scope="session")
def server_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server-logs")


@pytest.fixture(scope="session")
def backend_api(
    server_logs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServerProcess, str]]:
    """The reference backend (migrated, seeded) the shared action server calls; its API URL."""
    server, api_url = start_backend(tmp_path_factory.mktemp("backend"), server_logs)
    yield server, api_url
    server.stop()


@pytest.fixture(scope="session")
def actions_url(server_logs: Path, backend_api: tuple[ServerProcess, str]) -> Iterator[str]:
    port = free_port()
    # The review apps of bot/testing/stack.py sign customer tokens with TOKEN_SECRET.
    env = {
        "BACKEND_URL": backend_api[1],
        "BACKEND_TOKEN": BACKEND_TOKEN,
        "WIDGET_TOKEN_SECRET": TOKEN_SECRET,
    }
    server = action_server(port, server_logs, env).start()
    yield f"http://127.0.0.1:{port}/webhook"
    server.stop()


@pytest.fixture(scope="session")
def cx_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The CX log store that the shared Rasa server's event broker writes to."""
    return sqlite_url(tmp_path_factory.mktemp("cxlog") / "cxlog.db")


@pytest.fixture(scope="session")
def rasa_stack(
    trained_model: Path,
    actions_url: str,
    server_logs: Path,
    cx_database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServerProcess]:
    """A real Rasa server with the REST channel, wired to the real action server.

    Every suite shares it from 127.0.0.1, so its per-IP limit is raised (the limiter itself is
    unit-tested); per-sender limits stay as shipped. Its CX log (and spool) are private files.
    """
    directory = tmp_path_factory.mktemp("rasa")
    cx_env = {"CX_DATABASE_URL": cx_database_url, "BOT_VAR_DIR": str(directory)}
    server = configured_rasa(directory, actions_url, trained_model, server_logs, cx_env).start(
        timeout_s=600
    )  # the MiniLM model takes minutes to load on a busy two-core machine
    yield server
    server.stop()
