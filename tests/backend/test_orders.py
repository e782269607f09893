"""Order calls: lookup, identity check without enumeration, throttling, cancel, address change."""

from __future__ import annotations

import asyncio

import pytest

from tests.backend.harness import (
    ALEX,
    SAM,
    Api,
    backend_settings,
    order_call,
    row_counts,
    running_backend,
)


async def test_health_needs_no_token(api: Api) -> None:
    reply = await api.get("/health", token=None)
    assert (reply.status, reply.body) == (200, {"status": "ok"})


@pytest.mark.postgres_too
async def test_lookup_with_the_orders_email_returns_the_order(api: Api) -> None:
    reply = await api.post("/orders/10001/lookup", order_call({"email": "Alex.Kim@Example.com"}))
    assert reply.status == 200
    order = reply.body
    assert (order["order_id"], order["status"], order["carrier"]) == ("10001", "shipped", "UPS")
    assert order["tracking_number"] in order["tracking_url"]
    assert order["items"] and order["total"] == sum(
        item["unit_price"] * item["quantity"] for item in order["items"]
    )


@pytest.mark.postgres_too
async def test_lookup_with_a_verified_customer_id(api: Api) -> None:
    reply = await api.post("/orders/20001/lookup", order_call({"customer_id": "C1002"}))
    assert (reply.status, reply.body["status"]) == (200, "processing")


@pytest.mark.postgres_too
async def test_wrong_email_is_indistinguishable_from_an_unknown_order(api: Api) -> None:
    wrong_email = await api.post("/orders/10001/lookup", order_call(SAM, "conv-a"))
    unknown = await api.post("/orders/99999/lookup", order_call(ALEX, "conv-b"))
    other_customer = await api.post("/orders/10001/lookup", order_call({"customer_id": "C1002"}))
    assert wrong_email.status == unknown.status == other_customer.status == 404
    assert wrong_email.raw == unknown.raw == other_customer.raw
    assert wrong_email.body["error"] == "order_not_found"
    assert "shipped" not in wrong_email.raw.decode() and "UPS" not in wrong_email.raw.decode()


def guess(identity: dict[str, str], conversation: str, address: str | None = None) -> dict:
    call = order_call(identity, conversation)
    return {**call, "client_address": address} if address else call


@pytest.mark.postgres_too
async def test_five_failed_checks_cool_the_order_off_for_every_conversation(api: Api) -> None:
    for n in range(5):
        reply = await api.post("/orders/10001/lookup", guess(SAM, f"prober-{n}", f"192.0.2.{n}"))
        assert reply.status == 404
    # A new conversation from a new address, with the right email: still cooling off.
    throttled = await api.post("/orders/10001/lookup", guess(ALEX, "honest-chat", "192.0.2.99"))
    assert throttled.status == 429
    assert throttled.body["error"] == "too_many_attempts"
    assert 1 <= int(throttled.headers["Retry-After"]) <= 15 * 60
    assert (await api.post("/orders/10001/cancel", order_call(ALEX, "other"))).status == 429
    # Other orders are not affected.
    other = await api.post("/orders/10002/lookup", guess(ALEX, "honest-chat", "192.0.2.99"))
    assert other.status == 200


async def test_an_unknown_order_cools_off_exactly_like_a_real_one(api: Api) -> None:
    for n in range(5):
        await api.post("/orders/10001/lookup", order_call(SAM, f"real-{n}"))
        await api.post("/orders/99999/lookup", order_call(SAM, f"unknown-{n}"))
    real = await api.post("/orders/10001/lookup", order_call(ALEX, "real-last"))
    unknown = await api.post("/orders/99999/lookup", order_call(ALEX, "unknown-last"))
    assert real.status == unknown.status == 429
    assert real.body == unknown.body


@pytest.mark.postgres_too
async def test_ten_failures_from_one_address_cool_that_address_off(api: Api) -> None:
    orders = ("99901", "99902", "99903", "99904", "99905", "10001", "10002", "10003")
    for n in range(10):
        reply = await api.post(
            f"/orders/{orders[n % len(orders)]}/lookup", guess(SAM, f"c{n}", "2001:db8::7")
        )
        assert reply.status == 404
    # The same address in another spelling is the same address.
    spelled = guess(ALEX, "new-chat", "2001:0db8:0000::0007")
    assert (await api.post("/orders/10004/lookup", spelled)).status == 429
    assert (
        await api.post("/orders/10004/lookup", guess(ALEX, "elsewhere", "198.51.100.4"))
    ).status == 200


async def test_client_address_must_be_an_ip_address(api: Api) -> None:
    reply = await api.post("/orders/10001/lookup", guess(ALEX, "conv", "not-an-ip"))
    assert reply.status == 400
    assert "client_address" in reply.body["fields"]


async def test_four_failures_still_allow_the_right_answer(api: Api) -> None:
    for n in range(4):
        await api.post("/orders/10001/lookup", order_call(SAM, f"typos-{n}"))
    assert (await api.post("/orders/10001/lookup", order_call(ALEX, "typos"))).status == 200


@pytest.mark.postgres_too
async def test_throttle_is_shared_by_backend_instances(api: Api, database_url: str) -> None:
    for n in range(3):
        await api.post("/orders/10001/lookup", order_call(SAM, f"spread-{n}"))
    async with running_backend(backend_settings(database_url)) as second_instance:
        for n in range(2):
            await second_instance.post("/orders/10001/lookup", order_call(SAM, f"more-{n}"))
        assert (
            await second_instance.post("/orders/10001/lookup", order_call(ALEX, "spread"))
        ).status == 429
    assert (await api.post("/orders/10001/lookup", order_call(ALEX, "spread"))).status == 429


async def test_limits_come_from_the_settings(database_url: str) -> None:
    settings = backend_settings(database_url, identity_max_failures=2)
    async with running_backend(settings) as api:
        for n in range(2):
            await api.post("/orders/10001/lookup", order_call(SAM, f"s-{n}"))
        assert (await api.post("/orders/10001/lookup", order_call(ALEX))).status == 429


@pytest.mark.postgres_too
async def test_cancel_a_processing_order(api: Api) -> None:
    reply = await api.post("/orders/10002/cancel", order_call())
    assert (reply.status, reply.body["status"]) == (200, "cancelled")
    again = await api.post("/orders/10002/lookup", order_call())
    assert again.body["status"] == "cancelled"


@pytest.mark.postgres_too
async def test_cancel_a_shipped_order_is_refused(api: Api) -> None:
    reply = await api.post("/orders/10001/cancel", order_call())
    assert reply.status == 409
    assert (reply.body["error"], reply.body["status"]) == ("not_cancellable", "shipped")
    assert (await api.post("/orders/10001/lookup", order_call())).body["status"] == "shipped"


@pytest.mark.postgres_too
async def test_racing_cancels_have_exactly_one_winner(api: Api) -> None:
    replies = await asyncio.gather(
        *(api.post("/orders/10002/cancel", order_call()) for _ in range(6))
    )
    assert sorted(reply.status for reply in replies) == [200] + [409] * 5


async def test_cancel_with_wrong_email_changes_nothing(api: Api) -> None:
    reply = await api.post("/orders/10002/cancel", order_call(SAM))
    assert (reply.status, reply.body["error"]) == (404, "order_not_found")
    assert (await api.post("/orders/10002/lookup", order_call())).body["status"] == "processing"


@pytest.mark.postgres_too
async def test_change_the_address_of_a_processing_order(api: Api) -> None:
    address = "7 Quay Road\nFlat 2\nPortland, OR 97209, USA"
    body = {**order_call(), "address": address}
    reply = await api.put("/orders/10002/shipping-address", body)
    assert (reply.status, reply.body["shipping_address"]) == (200, address)
    stored = await api.post("/orders/10002/lookup", order_call())
    assert stored.body["shipping_address"] == address


async def test_address_of_a_shipped_order_is_locked(api: Api, database_url: str) -> None:
    before = await row_counts(database_url)
    body = {**order_call(), "address": "1 New Street, Portland"}
    reply = await api.put("/orders/10001/shipping-address", body)
    assert reply.status == 409
    assert (reply.body["error"], reply.body["status"]) == ("address_locked", "shipped")
    unchanged = await api.post("/orders/10001/lookup", order_call())
    assert unchanged.body["shipping_address"].startswith("12 Harbor Street")
    assert await row_counts(database_url) == before


@pytest.mark.postgres_too
async def test_get_customer(api: Api) -> None:
    reply = await api.get("/customers/C1001")
    assert reply.status == 200
    assert reply.body == {
        "customer_id": "C1001",
        "first_name": "Alex",
        "last_name": "Kim",
        "email": "alex.kim@example.com",
    }
    missing = await api.get("/customers/C9999")
    assert (missing.status, missing.body["error"]) == (404, "customer_not_found")


@pytest.mark.postgres_too
async def test_customer_orders_newest_first_with_limit(api: Api) -> None:
    everything = await api.get("/customers/C1001/orders")
    ids = [order["order_id"] for order in everything.body["orders"]]
    assert ids == ["10002", "10001", "10003", "10004"]
    created = [order["created_at"] for order in everything.body["orders"]]
    assert created == sorted(created, reverse=True)
    two = await api.get("/customers/C1001/orders", params={"limit": "2"})
    assert [order["order_id"] for order in two.body["orders"]] == ["10002", "10001"]
    for bad in ("0", "51", "-1", "two", "1.5"):
        reply = await api.get("/customers/C1001/orders", params={"limit": bad})
        assert (reply.status, list(reply.body["fields"])) == (400, ["limit"])
    unknown = await api.get("/customers/C4242/orders")
    assert (unknown.status, unknown.body["error"]) == (404, "customer_not_found")


@pytest.mark.postgres_too
async def test_seed_matches_the_contract(api: Api) -> None:
    orders = {
        order["order_id"]: order
        for customer in ("C1001", "C1002")
        for order in (await api.get(f"/customers/{customer}/orders")).body["orders"]
    }
    assert {k: v["status"] for k, v in orders.items()} == {
        "10001": "shipped",
        "10002": "processing",
        "10003": "delivered",
        "10004": "delivered",
        "20001": "processing",
        "20002": "delivered",
    }
    assert orders["20001"]["customer_id"] == "C1002"
    assert "Trail Running Shoes" in [item["name"] for item in orders["10003"]["items"]]
