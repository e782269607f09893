"""The scale-out profile on this machine's real Postgres, Redis and RabbitMQ, behind real nginx.

Each test session gets its own Postgres database, Redis key prefix and RabbitMQ queue, removed
afterwards, so runs never see each other's state.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import aio_pika
import psycopg2
import pytest
import redis

from bot.deploy.nginx import BalancerLayout, write_nginx_conf
from bot.testing.processes import (
    PROJECT_ROOT,
    ServerProcess,
    action_server,
    free_port,
    rasa_server,
    start_all,
)
from tests.scale.helpers import ScaleStack

PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"


@pytest.fixture(scope="session")
def scale_database() -> Iterator[str]:
    name = f"cx_scale_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg2.connect(PG_ADMIN_DSN)
    except psycopg2.OperationalError as error:
        pytest.fail(f"Postgres must run on 127.0.0.1:5432 for the scale-out tests: {error}")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="session")
def redis_prefix() -> Iterator[str]:
    prefix = f"cxtest{uuid.uuid4().hex[:8]}"
    yield prefix
    client = redis.Redis(host="127.0.0.1", port=6379, db=1)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


@pytest.fixture(scope="session")
def rabbit_queue() -> Iterator[str]:
    name = f"cx_events_test_{uuid.uuid4().hex[:8]}"
    yield name

    async def delete() -> None:
        connection = await aio_pika.connect_robust(RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(name)

    asyncio.run(delete())


@pytest.fixture(scope="session")
def scale_stack(
    trained_model: Path,
    scale_database: str,
    redis_prefix: str,
    rabbit_queue: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ScaleStack]:
    """nginx → two Rasa nodes (shared Postgres tracker, Redis locks) → nginx → two action servers"""
    logs = tmp_path_factory.mktemp("scale-logs")
    rasa_port, action_port, rasa_api_port = free_port(), free_port(), free_port()
    rasa_ports, action_ports = (free_port(), free_port()), (free_port(), free_port())
    env = {
        "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        "PG_HOST": "127.0.0.1",
        "PG_PORT": "5432",
        "PG_DATABASE": scale_database,
        "PG_USER": "postgres",
        "PG_PASSWORD": "",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
        "REDIS_DB": "1",
        "REDIS_KEY_PREFIX": redis_prefix,
        "RABBITMQ_HOST": "127.0.0.1",
        "RABBITMQ_PORT": "5672",
        "RABBITMQ_USER": "guest",
        "RABBITMQ_PASSWORD": "guest",
        "RABBITMQ_QUEUE": rabbit_queue,
    }
    layout = BalancerLayout(
        "127.0.0.1", rasa_port, action_port, rasa_ports, action_ports, rasa_api_port
    )
    nginx_conf = write_nginx_conf(layout, logs / "nginx")
    endpoints = PROJECT_ROOT / "endpoints.scale.yml"
    actions = [action_server(p, logs, env, f"actions-{p}") for p in action_ports]
    nodes = [rasa_server(p, trained_model, endpoints, logs, env, f"rasa-{p}") for p in rasa_ports]
    balancer = ServerProcess(
        "nginx", ["/usr/sbin/nginx", "-c", str(nginx_conf)],
        f"http://127.0.0.1:{rasa_port}/webhooks/rest/", logs,
    )  # fmt: skip
    servers = start_all([*actions, *nodes])
    balancer.start(timeout_s=30)
    yield ScaleStack(
        nodes,
        f"http://127.0.0.1:{rasa_port}",
        f"http://127.0.0.1:{rasa_api_port}",
        nginx_conf.parent / "access.log",
        env,
    )
    for server in [balancer, *servers]:
        server.stop()
