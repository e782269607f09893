"""Returns: the 30-day window, item matching, RMA numbers, refund estimates, listing."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.backend.harness import SAM, Api, return_request, row_counts


def business_days_between(start: date, end: date) -> int:
    days = (end - start).days
    return sum(1 for n in range(1, days + 1) if (start + timedelta(days=n)).weekday() < 5)


@pytest.mark.postgres_too
async def test_return_the_shoes_then_find_it_listed(api: Api) -> None:
    created = await api.post("/returns", return_request("10003", "shoes"))
    assert created.status == 201
    rma = created.body["rma"]
    assert re.fullmatch(r"RMA-[A-Z0-9]{8}", rma)
    assert created.body["item"] == {"sku": "TRS-42", "name": "Trail Running Shoes"}
    assert (created.body["status"], created.body["refund_status"]) == ("requested", "pending")
    assert created.body["refund_amount"] == 120.0
    assert rma in created.body["label_url"] and rma in created.body["dropoff_instructions"]

    listed = await api.get("/returns", params={"order_id": "10003"})
    assert listed.status == 200
    assert [entry["rma"] for entry in listed.body["returns"]] == [rma]
    fetched = await api.get(f"/returns/{rma}")
    assert fetched.body == created.body


async def test_refund_eta_is_five_to_seven_business_days_out(api: Api) -> None:
    created = await api.post("/returns", return_request("10003", "TRS-42"))
    eta = date.fromisoformat(created.body["refund_eta"])
    today = datetime.now(UTC).date()
    assert 5 <= business_days_between(today, eta) <= 7
    assert eta.weekday() < 5


@pytest.mark.postgres_too
async def test_return_outside_the_window_explains_it(api: Api) -> None:
    reply = await api.post("/returns", return_request("10004", "jacket"))
    assert reply.status == 409
    assert reply.body["error"] == "return_window_expired"
    assert reply.body["window_days"] == 30
    delivered = datetime.fromisoformat(reply.body["delivered_at"])
    assert (datetime.now(UTC) - delivered).days == 90
    assert (await api.get("/returns", params={"order_id": "10004"})).body == {"returns": []}


async def test_undelivered_orders_cannot_be_returned(api: Api) -> None:
    reply = await api.post("/returns", return_request("10001", "headphones"))
    assert (reply.status, reply.body["error"], reply.body["status"]) == (
        409,
        "not_delivered",
        "shipped",
    )


async def test_item_must_be_in_the_order(api: Api, database_url: str) -> None:
    before = await row_counts(database_url)
    missing = await api.post("/returns", return_request("10003", "umbrella"))
    assert (missing.status, missing.body["error"]) == (404, "item_not_found")
    assert "Trail Running Shoes" in missing.body["items"]
    ambiguous = await api.post("/returns", return_request("10003", "running"))
    assert (ambiguous.status, ambiguous.body["error"]) == (409, "item_ambiguous")
    assert len(ambiguous.body["items"]) == 2
    assert await row_counts(database_url) == before


@pytest.mark.postgres_too
async def test_an_item_is_returned_only_once(api: Api) -> None:
    assert (await api.post("/returns", return_request("10003", "shoes"))).status == 201
    again = await api.post("/returns", return_request("10003", "Trail Running Shoes"))
    assert (again.status, again.body["error"]) == (409, "already_returned")
    # The other line of the same order can still be returned.
    assert (await api.post("/returns", return_request("10003", "socks"))).status == 201


@pytest.mark.postgres_too
async def test_racing_returns_of_one_item_create_one_return(api: Api, database_url: str) -> None:
    replies = await asyncio.gather(
        *(api.post("/returns", return_request("10003", "shoes")) for _ in range(6))
    )
    assert sorted(reply.status for reply in replies) == [201] + [409] * 5
    assert (await row_counts(database_url))["returns"] == 1


async def test_exchange_has_no_refund(api: Api) -> None:
    reply = await api.post("/returns", return_request("10003", "shoes", "exchange"))
    assert reply.status == 201
    refund_fields = ("refund_method", "refund_status", "refund_amount", "refund_eta")
    assert [reply.body[field] for field in refund_fields] == [None] * 4


async def test_returns_need_the_right_identity(api: Api, database_url: str) -> None:
    reply = await api.post("/returns", return_request("10003", "shoes", identity=SAM))
    assert (reply.status, reply.body["error"]) == (404, "order_not_found")
    assert (await row_counts(database_url))["returns"] == 0


async def test_rma_numbers_are_random(api: Api) -> None:
    first = await api.post("/returns", return_request("10003", "shoes"))
    second = await api.post("/returns", return_request("10003", "socks"))
    assert first.body["rma"] != second.body["rma"]
    unknown = await api.get("/returns/RMA-ZZZZZZZZ")
    assert (unknown.status, unknown.body["error"]) == (404, "return_not_found")


async def test_listing_returns_needs_an_order_id(api: Api) -> None:
    reply = await api.get("/returns")
    assert (reply.status, reply.body["fields"]) == (400, {"order_id": "is required"})
