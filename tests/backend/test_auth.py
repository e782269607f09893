"""Service authentication: every endpoint but health and the spec needs the bearer token."""

from __future__ import annotations

import pytest

from bot.backend.app import create_app
from tests.backend.harness import (
    API,
    TOKEN,
    Api,
    backend_settings,
    order_call,
    row_counts,
    spec_operations,
)

# A valid request for every protected operation, so only the token can be what is wrong.
VALID_REQUESTS: dict[tuple[str, str], tuple[str, dict | None]] = {
    ("GET", "/customers/{customer_id}"): ("/customers/C1001", None),
    ("GET", "/customers/{customer_id}/orders"): ("/customers/C1001/orders", None),
    ("GET", "/customers/{customer_id}/tickets"): ("/customers/C1001/tickets", None),
    ("POST", "/orders/{order_id}/lookup"): ("/orders/10001/lookup", order_call()),
    ("POST", "/orders/{order_id}/cancel"): ("/orders/10002/cancel", order_call()),
    ("PUT", "/orders/{order_id}/shipping-address"): (
        "/orders/10002/shipping-address",
        {**order_call(), "address": "1 Main St, Portland"},
    ),
    ("POST", "/returns"): (
        "/returns",
        {
            **order_call(),
            "order_id": "10003",
            "item": "shoes",
            "reason": "too small",
            "resolution": "refund",
        },
    ),
    ("GET", "/returns"): ("/returns?order_id=10003", None),
    ("GET", "/returns/{rma}"): ("/returns/RMA-AAAAAAAA", None),
    ("POST", "/tickets"): (
        "/tickets",
        {"conversation_id": "c", "category": "other", "summary": "hi", "transcript": ""},
    ),
    ("GET", "/tickets/{ticket_id}"): ("/tickets/T-100001", None),
    ("POST", "/password-resets"): (
        "/password-resets",
        {"email": "alex.kim@example.com", "conversation_id": "c"},
    ),
}
PUBLIC = {("GET", f"{API}/health"), ("GET", f"{API}/openapi.yaml")}

BAD_CREDENTIALS = {
    "missing": {},
    "wrong token": {"Authorization": "Bearer not-the-token"},
    "token prefix": {"Authorization": f"Bearer {TOKEN[:-1]}"},
    "token plus suffix": {"Authorization": f"Bearer {TOKEN}x"},
    "basic scheme": {"Authorization": f"Basic {TOKEN}"},
    "bare token": {"Authorization": TOKEN},
    "empty bearer": {"Authorization": "Bearer "},
    "non-ascii": {"Authorization": "Bearer t\u00f6ken"},
}


def test_every_protected_operation_is_covered() -> None:
    covered = {(method, API + path) for method, path in VALID_REQUESTS}
    assert covered == spec_operations() - PUBLIC


@pytest.mark.postgres_too
@pytest.mark.parametrize("credentials", list(BAD_CREDENTIALS), ids=list(BAD_CREDENTIALS))
async def test_requests_without_the_token_get_401_and_change_nothing(
    api: Api, database_url: str, credentials: str
) -> None:
    before = await row_counts(database_url)
    for (method, _), (path, body) in VALID_REQUESTS.items():
        reply = await api.call(method, path, body, headers=BAD_CREDENTIALS[credentials], token=None)
        assert reply.status == 401, (method, path)
        assert reply.body["error"] == "unauthorized"
        assert reply.headers["WWW-Authenticate"] == "Bearer"
    assert await row_counts(database_url) == before


async def test_the_right_token_is_accepted_with_any_scheme_case(api: Api) -> None:
    reply = await api.get("/customers/C1001", headers={"Authorization": f"bearer {TOKEN}"})
    assert reply.status == 200


async def test_unknown_paths_reveal_nothing_without_a_token(api: Api) -> None:
    reply = await api.get("/admin", token=None)
    assert (reply.status, reply.body["error"]) == (401, "unauthorized")
    with_token = await api.get("/admin")
    assert (with_token.status, with_token.body["error"]) == (404, "not_found")
    wrong_method = await api.call("DELETE", "/customers/C1001")
    assert (wrong_method.status, wrong_method.body["error"]) == (405, "method_not_allowed")


async def test_public_endpoints_need_no_token(api: Api) -> None:
    assert (await api.get("/health", token=None)).status == 200
    assert (await api.get("/openapi.yaml", token=None)).status == 200


def test_server_refuses_to_start_without_a_token(database_url: str) -> None:
    with pytest.raises(ValueError, match="BACKEND_TOKEN is empty"):
        create_app(backend_settings(database_url, backend_token=""))
