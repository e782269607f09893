"""Which address a chat request really comes from, for rate limits and identity-check limits.

``X-Forwarded-For`` is written by whoever sends the request, so it is only believed from callers
the operator vouches for: proxies listed in ``TRUSTED_PROXIES`` (addresses or networks, e.g.
nginx of the scale-out profile; nobody by default), and the widget gateway, which proves itself
with the Rasa API token (``Authorization: Bearer $RASA_AUTH_TOKEN``). Whoever holds that token
can already read and change every conversation through the API, so letting it state the
customer's address grants nothing more, and ``make run`` needs no blanket trust of loopback.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable

# Message metadata key the REST channel always overwrites with the resolved address, so the
# actions can pass it to the backend's identity check (actions/conversation.py reads it).
METADATA_KEY = "client_address"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """``TRUSTED_PROXIES`` entries as networks; a bare address is a one-address network."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"TRUSTED_PROXIES: {entry!r} is not an IP address or network") from exc
    return tuple(networks)


def _canonical(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


class ClientAddressResolver:
    """The nearest address in the forwarding chain that nobody trusted vouched for."""

    def __init__(self, trusted_proxies: Iterable[str] = (), gateway_token: str = "") -> None:
        self.trusted = parse_networks(trusted_proxies)
        self.gateway_token = gateway_token

    def _is_proxy(self, address: str) -> bool:
        ip = ipaddress.ip_address(address)
        return any(ip in network for network in self.trusted)

    def _is_gateway(self, authorization: str | None) -> bool:
        if not self.gateway_token or not authorization:
            return False
        expected = f"Bearer {self.gateway_token}"
        return hmac.compare_digest(authorization.encode(), expected.encode())

    def resolve(self, peer: str, forwarded_for: str | None, authorization: str | None) -> str:
        """``peer`` unless it is trusted; then walk ``X-Forwarded-For`` from the right, past
        trusted proxies, to the first hop nobody vouched for. A malformed hop ends the walk at
        the last trusted one, so garbage cannot pick an address either."""
        current = _canonical(peer)
        if current is None:
            return peer  # not an IP address (a unix socket): nothing to look behind
        if not (self._is_proxy(current) or self._is_gateway(authorization)):
            return current
        hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
        for hop in reversed(hops):
            address = _canonical(hop)
            if address is None:
                return current
            current = address
            if not self._is_proxy(address):
                return address
        return current
