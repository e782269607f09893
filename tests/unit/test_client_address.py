"""Rate and identity-check limits key on the real client: a forwarded address counts only from a
proxy listed in TRUSTED_PROXIES or from the widget gateway holding the Rasa API token."""

from __future__ import annotations

import pytest

from bot.channels.client_address import ClientAddressResolver, parse_networks

TOKEN = "gateway-token-for-tests"
NOBODY = ClientAddressResolver()
NGINX = ClientAddressResolver(["127.0.0.1"])
GATEWAY = ClientAddressResolver(gateway_token=TOKEN)
BOTH = ClientAddressResolver(["127.0.0.1", "10.0.0.0/8"], gateway_token=TOKEN)
BEARER = f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("resolver", "peer", "forwarded", "authorization", "expected"),
    [
        (NOBODY, "203.0.113.9", None, None, "203.0.113.9"),
        # Default: nobody is trusted, loopback included, so a local caller cannot pick an address.
        (NOBODY, "127.0.0.1", "198.51.100.7", None, "127.0.0.1"),
        (NOBODY, "127.0.0.1", "198.51.100.7", BEARER, "127.0.0.1"),  # no token configured
        # A configured proxy is believed; an unlisted peer is not.
        (NGINX, "127.0.0.1", "198.51.100.7", None, "198.51.100.7"),
        (NGINX, "203.0.113.9", "10.9.9.9", None, "203.0.113.9"),
        (NGINX, "127.0.0.1", "6.6.6.6, 198.51.100.7", None, "198.51.100.7"),  # spoofed hop
        (NGINX, "127.0.0.1", None, None, "127.0.0.1"),
        (NGINX, "127.0.0.1", " , ", None, "127.0.0.1"),
        (NGINX, "127.0.0.1", "not-an-ip", None, "127.0.0.1"),
        # The widget gateway proves itself with the API token, and only with the right one.
        (GATEWAY, "127.0.0.1", "198.51.100.7", BEARER, "198.51.100.7"),
        (GATEWAY, "127.0.0.1", "198.51.100.7", "Bearer wrong", "127.0.0.1"),
        (GATEWAY, "127.0.0.1", "198.51.100.7", None, "127.0.0.1"),
        # Gateway behind nginx (scale-out): nginx appends the gateway's address.
        (BOTH, "127.0.0.1", "198.51.100.7, 127.0.0.1", BEARER, "198.51.100.7"),
        (BOTH, "10.1.2.3", "2001:db8::1, 10.4.5.6", None, "2001:db8::1"),
        (BOTH, "127.0.0.1", "2001:0db8:0::1", None, "2001:db8::1"),  # one spelling per address
    ],
)
def test_client_address(
    resolver: ClientAddressResolver,
    peer: str,
    forwarded: str | None,
    authorization: str | None,
    expected: str,
) -> None:
    assert resolver.resolve(peer, forwarded, authorization) == expected


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    assert [str(n) for n in parse_networks(["127.0.0.1", "10.0.0.0/8"])] == [
        "127.0.0.1/32",
        "10.0.0.0/8",
    ]
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        parse_networks(["nginx.local"])
