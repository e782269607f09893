"""Rate limits key on the real client: forwarded addresses count only behind trusted proxies."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.channels.guarded_rest import GuardedRestInput


def request(ip: str, forwarded: str | None = None) -> SimpleNamespace:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return SimpleNamespace(ip=ip, headers=headers)


@pytest.mark.parametrize(
    ("ip", "forwarded", "expected"),
    [
        ("203.0.113.9", None, "203.0.113.9"),
        ("203.0.113.9", "10.9.9.9", "203.0.113.9"),  # untrusted peer cannot claim another address
        ("127.0.0.1", "198.51.100.7", "198.51.100.7"),  # widget gateway forwarding a customer
        ("127.0.0.1", "198.51.100.7, 127.0.0.1", "198.51.100.7"),  # gateway behind nginx
        ("127.0.0.1", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # spoofed first hop ignored
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", " , ", "127.0.0.1"),
    ],
)
def test_client_address(ip: str, forwarded: str | None, expected: str) -> None:
    assert GuardedRestInput.client_address(request(ip, forwarded)) == expected
