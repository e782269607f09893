"""The atomic Redis lock store never hands out one ticket twice, even under parallel writers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from rasa.utils.endpoints import EndpointConfig

from bot.deploy.lock_store import AtomicRedisLockStore

WRITERS = 8
TICKETS_PER_WRITER = 40


@pytest.fixture
def make_store() -> Iterator:
    prefix = f"locktest{uuid.uuid4().hex[:8]}"
    stores: list[AtomicRedisLockStore] = []

    def make() -> AtomicRedisLockStore:
        config = EndpointConfig(url="127.0.0.1", port=6379, db=1, key_prefix=prefix)
        stores.append(AtomicRedisLockStore(config))
        return stores[-1]

    yield make
    for key in stores[0].red.scan_iter(f"{prefix}*"):
        stores[0].red.delete(key)


def test_parallel_servers_get_distinct_tickets(make_store) -> None:
    servers = [make_store() for _ in range(WRITERS)]  # one client each, like separate Rasa nodes

    def issue_many(store: AtomicRedisLockStore) -> list[int]:
        return [store.issue_ticket("conv-1", 60) for _ in range(TICKETS_PER_WRITER)]

    with ThreadPoolExecutor(WRITERS) as pool:
        tickets = [t for batch in pool.map(issue_many, servers) for t in batch]
    assert len(set(tickets)) == WRITERS * TICKETS_PER_WRITER
    lock = servers[0].get_lock("conv-1")
    assert lock is not None and len(lock.tickets) == WRITERS * TICKETS_PER_WRITER


def test_cleanup_keeps_lock_while_someone_waits(make_store) -> None:
    store = make_store()
    first = store.issue_ticket("conv-2", 60)
    second = store.issue_ticket("conv-2", 60)
    store.cleanup("conv-2", first)
    lock = store.get_lock("conv-2")
    assert lock is not None and lock.now_serving == second
    store.cleanup("conv-2", second)
    assert store.get_lock("conv-2") is None


async def test_lock_serves_tickets_in_order(make_store) -> None:
    store = make_store()
    async with store.lock("conv-3", lock_lifetime=10, wait_time_in_seconds=0.05) as held:
        assert held.now_serving == held.last_issued
        assert store.is_someone_waiting("conv-3")
    assert store.get_lock("conv-3") is None
