"""Support tickets and password-reset requests."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.backend.harness import Api, backend_settings, row_counts, running_backend, ticket_request


@pytest.mark.postgres_too
async def test_create_and_fetch_a_ticket(api: Api) -> None:
    created = await api.post("/tickets", ticket_request())
    assert created.status == 201
    ticket = created.body
    assert ticket["ticket_id"].startswith("T-") and ticket["status"] == "open"
    due = datetime.fromisoformat(ticket["follow_up_due"])
    assert due - datetime.fromisoformat(ticket["created_at"]) == timedelta(hours=24)
    fetched = await api.get(f"/tickets/{ticket['ticket_id']}")
    assert fetched.body == ticket


async def test_follow_up_time_is_configurable(database_url: str) -> None:
    settings = backend_settings(database_url, backend_ticket_follow_up_hours=4)
    async with running_backend(settings) as api:
        ticket = (await api.post("/tickets", ticket_request())).body
    due = datetime.fromisoformat(ticket["follow_up_due"])
    assert due - datetime.fromisoformat(ticket["created_at"]) == timedelta(hours=4)


async def test_anonymous_ticket_without_customer(api: Api) -> None:
    reply = await api.post("/tickets", ticket_request(customer_id=None, email=None, transcript=""))
    assert reply.status == 201


async def test_ticket_for_an_unknown_customer_is_rejected(api: Api, database_url: str) -> None:
    reply = await api.post("/tickets", ticket_request(customer_id="C777"))
    assert (reply.status, reply.body["fields"]) == (400, {"customer_id": "is not a known customer"})
    assert (await row_counts(database_url))["support_tickets"] == 0


async def test_a_customers_tickets_newest_first_with_limit(api: Api) -> None:
    assert (await api.get("/customers/C1001/tickets")).body == {"tickets": []}
    first = (await api.post("/tickets", ticket_request(summary="first"))).body
    second = (await api.post("/tickets", ticket_request(summary="second"))).body
    await api.post("/tickets", ticket_request(customer_id=None))
    await api.post("/tickets", ticket_request(customer_id="C1002", email=None))
    listed = await api.get("/customers/C1001/tickets")
    assert listed.status == 200
    assert listed.body == {"tickets": [second, first]}
    newest = await api.get("/customers/C1001/tickets", params={"limit": "1"})
    assert newest.body == {"tickets": [second]}
    unknown = await api.get("/customers/C777/tickets")
    assert (unknown.status, unknown.body["error"]) == (404, "customer_not_found")


@pytest.mark.postgres_too
async def test_unknown_tickets(api: Api) -> None:
    for ticket_id in ("T-1", "T-999999", "T-999999999999999999"):
        reply = await api.get(f"/tickets/{ticket_id}")
        assert (reply.status, reply.body["error"]) == (404, "ticket_not_found")


@pytest.mark.postgres_too
async def test_password_reset_answers_the_same_for_unknown_accounts(
    api: Api, database_url: str
) -> None:
    known = await api.post(
        "/password-resets", {"email": "alex.kim@example.com", "conversation_id": "c-1"}
    )
    unknown = await api.post(
        "/password-resets", {"email": "nobody@example.com", "conversation_id": "c-2"}
    )
    assert known.status == unknown.status == 202
    assert known.raw == unknown.raw
    assert known.body == {"status": "sent_if_account_exists"}
    assert (await row_counts(database_url))["password_resets"] == 2
