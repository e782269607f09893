"""Append-only JSONL spool for CX events the store could not take (unreachable or locked).

Events are already redacted when they get here. New events go to the open segment; a replay
first seals it, then feeds sealed segments to the store oldest first and deletes each one only
after the store committed it, so a crash mid-replay replays a segment again (the store skips
what it already has). The spool is bounded: past ``max_bytes`` new events are dropped and logged.
Its files are created 0600 in a 0700 directory (:mod:`bot.files`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.files import open_private

logger = logging.getLogger(__name__)

SEGMENT_GLOB = "cxlog-*.jsonl"
# Events the store refused for a reason other than being unavailable; kept for a human, never
# replayed automatically.
REJECTED_FILE = "rejected.jsonl"
OPEN_SEGMENT_MAX_BYTES = 4 * 1024 * 1024


class Spool:
    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._open_segment: Path | None = None
        self.dropped = 0

    def size_bytes(self) -> int:
        return sum(path.stat().st_size for path in self._segments())

    @property
    def pending(self) -> bool:
        return any(self._segments())

    def append(self, events: list[dict[str, Any]]) -> bool:
        """Write events at the end of the spool; False (and a logged error) if it is full."""
        if not events:
            return True
        lines = "".join(json.dumps(event, ensure_ascii=False) + "\n" for event in events)
        size = self.size_bytes()
        if size + len(lines.encode("utf-8")) > self.max_bytes:
            self.dropped += len(events)
            logger.error(
                "cxlog: spool %s is full (%d bytes, limit %d): dropped %d events (%d so far)",
                self.directory, size, self.max_bytes, len(events), self.dropped,
            )  # fmt: skip
            return False
        segment = self._writable_segment()
        with open_private(segment) as spool_file:
            spool_file.write(lines)
        return True

    def seal(self) -> list[Path]:
        """Close the open segment; return every sealed segment, oldest first."""
        self._open_segment = None
        return sorted(self._segments())

    @staticmethod
    def read(segment: Path) -> list[dict[str, Any]]:
        """A segment's events; a torn last line (crash while appending) is skipped."""
        events = []
        with segment.open(encoding="utf-8") as spool_file:
            for number, line in enumerate(spool_file, start=1):
                try:
                    events.append(json.loads(line))
                except json.JSONDecodeError:
                    logger.warning("cxlog: skipping unreadable line %d of %s", number, segment)
        return events

    def reject(self, event: dict[str, Any]) -> None:
        with open_private(self.directory / REJECTED_FILE) as rejected:
            rejected.write(json.dumps(event, ensure_ascii=False) + "\n")

    @staticmethod
    def remove(segment: Path) -> None:
        segment.unlink(missing_ok=True)

    def _segments(self) -> Iterator[Path]:
        if not self.directory.exists():
            return iter(())
        return self.directory.glob(SEGMENT_GLOB)

    def _writable_segment(self) -> Path:
        segment = self._open_segment
        if (
            segment is None
            or not segment.exists()
            or segment.stat().st_size > OPEN_SEGMENT_MAX_BYTES
        ):
            # Nanosecond names sort in creation order, which is replay order.
            segment = self.directory / f"cxlog-{time.time_ns():020d}.jsonl"
            self._open_segment = segment
        return segment
