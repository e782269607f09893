"""The disk spool: order, sealing, torn lines, the size bound."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.cxlog.spool import Spool


def events(start: int, count: int) -> list[dict]:
    return [{"event_id": str(number), "n": number} for number in range(start, start + count)]


def test_sealed_segments_replay_in_order_and_later_appends_stay_out(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=1_000_000)
    assert not spool.pending
    spool.append(events(0, 3))
    spool.append(events(3, 2))
    sealed = spool.seal()
    spool.append(events(5, 1))  # arrives during the replay: a new segment
    assert [event["n"] for segment in sealed for event in spool.read(segment)] == [0, 1, 2, 3, 4]
    for segment in sealed:
        spool.remove(segment)
    assert spool.pending
    assert [event["n"] for segment in spool.seal() for event in spool.read(segment)] == [5]


def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=1_000_000)
    spool.append(events(0, 2))
    (segment,) = spool.seal()
    with segment.open("a") as spool_file:
        spool_file.write('{"event_id": "2", "n"')  # the process died mid-write
    assert [event["n"] for event in spool.read(segment)] == [0, 1]


def test_a_full_spool_drops_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    spool = Spool(tmp_path, max_bytes=200)
    assert spool.append(events(0, 2))
    with caplog.at_level(logging.ERROR):
        assert not spool.append(events(2, 10))
    assert spool.dropped == 10
    assert "spool" in caplog.text and "dropped 10 events" in caplog.text
    assert spool.size_bytes() <= 200


def test_rejected_events_are_kept_apart_and_not_replayed(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=1_000_000)
    spool.reject({"event_id": "bad"})
    assert not spool.pending
    assert (tmp_path / "rejected.jsonl").read_text().strip() == '{"event_id": "bad"}'
