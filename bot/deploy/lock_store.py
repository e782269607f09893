"""A Redis lock store that is safe when several Rasa servers share it.

Rasa 3.6's ``RedisLockStore`` issues and releases tickets with a read-modify-write of one JSON
value (get → change → set). Two servers handling messages of the same conversation at the same
moment both read the lock, both add a ticket and one write wins, so both believe they hold the
lock and turns interleave and events are lost (RasaHQ/rasa#9213; the upstream fix was reverted in
RasaHQ/rasa#11428). This subclass performs every change of the lock inside a Redis optimistic
transaction (WATCH/MULTI/EXEC), retried when another server changed the lock in between.

Use it with ``lock_store: type: bot.deploy.lock_store.AtomicRedisLockStore`` plus the usual
Redis keys (url, port, db, password, key_prefix).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

Result = TypeVar("Result")
# A change receives the stored lock (None if absent) and returns the lock to store (None
# deletes it) together with the value the caller wants back.
LockChange = Callable[[TicketLock | None], tuple[TicketLock | None, Result]]


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose ticket updates are atomic across processes."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _change_atomically(self, conversation_id: str, change: LockChange[Result]) -> Result:
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(stored)) if stored else None
                    new_lock, result = change(lock)
                    pipe.multi()
                    if new_lock is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, new_lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another server changed the lock meanwhile: redo on fresh state

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change_atomically(conversation_id, issue)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change_atomically(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._change_atomically(conversation_id, _without_ticket(ticket_number, keep_empty=True))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket, and the lock itself only if nobody queued meanwhile."""
        self._change_atomically(conversation_id, _without_ticket(ticket_number, keep_empty=False))


def _without_ticket(ticket_number: int, keep_empty: bool) -> LockChange[None]:
    def remove(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
        if lock is None:
            return None, None
        lock.remove_ticket_for(ticket_number)
        return (lock if keep_empty or lock.is_someone_waiting() else None), None

    return remove
