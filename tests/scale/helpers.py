"""The scale-out stack the scale tests get from their fixture (nginx, two Rasa nodes)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.testing.processes import ServerProcess


@dataclass
class ScaleStack:
    nodes: list[ServerProcess]
    balancer_url: str  # the public listener: customer channels only
    api_url: str  # the loopback listener for Rasa's HTTP API
    access_log: Path
    env: dict[str, str]

    def node_url(self, index: int) -> str:
        return self.nodes[index].health_url.removesuffix("/status")
