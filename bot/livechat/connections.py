"""Open websockets grouped by who is behind them (a widget session, an agent).

A customer may have the shop open in several tabs and an agent the inbox in several windows;
every frame goes to all of them. A socket that fails to send is dropped, never retried.
In memory, per process: the review app runs as one process (see docs/widget.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any

from aiohttp import WSCloseCode, web

logger = logging.getLogger(__name__)


class SocketGroups:
    def __init__(self) -> None:
        self._groups: defaultdict[str, set[web.WebSocketResponse]] = defaultdict(set)

    def add(self, key: str, socket: web.WebSocketResponse) -> None:
        self._groups[key].add(socket)

    def remove(self, key: str, socket: web.WebSocketResponse) -> None:
        group = self._groups.get(key)
        if group is not None:
            group.discard(socket)
            if not group:
                del self._groups[key]

    def is_online(self, key: str) -> bool:
        return bool(self._groups.get(key))

    def keys(self) -> list[str]:
        return list(self._groups)

    async def send(self, key: str, frame: dict[str, Any]) -> None:
        await asyncio.gather(*(self._send(key, s, frame) for s in list(self._groups.get(key, ()))))

    async def broadcast(self, frame: dict[str, Any]) -> None:
        await asyncio.gather(*(self.send(key, frame) for key in self.keys()))

    async def _send(self, key: str, socket: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        try:
            await socket.send_json(frame)
        except (ConnectionError, RuntimeError):
            logger.info("dropping a closed socket")
            self.remove(key, socket)

    async def close_all(self) -> None:
        """Say goodbye on shutdown so browsers reconnect to the next process at once."""
        sockets = [socket for group in self._groups.values() for socket in group]
        self._groups.clear()
        await asyncio.gather(
            *(s.close(code=WSCloseCode.GOING_AWAY, message=b"restarting") for s in sockets),
            return_exceptions=True,
        )
