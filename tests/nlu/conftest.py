"""Registers the `trains` marker so `pytest -m "not trains"` can skip model training."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "trains: trains an NLU model (about a minute or two)")
