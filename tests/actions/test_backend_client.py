"""The action server's backend client: typed errors, retries, circuit breaker, real contract.

Fault tests use the stand-in company backend of fault_servers.py (or a port nothing listens on);
everything else runs against the real reference backend process. Durations are only checked
against a generous bound (3x the configured worst case) to catch hangs, not to benchmark.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from actions import backend_errors as errors
from actions.backend_client import BackendClient, Caller, get_client
from actions.settings import ActionSettings, load_settings
from bot.testing.processes import (
    ACTION_SERVER_TOKEN,
    SERVER_TOKENS,
    VENV_BIN,
    ServerProcess,
    free_port,
)
from tests.actions.fault_servers import FaultyBackend
from tests.actions.reference import RunningBackend

ALEX = {"email": "alex.kim@example.com"}
SAM = {"email": "sam.lee@example.com"}

Call = Callable[[BackendClient], Awaitable[Any]]

# Every method with arguments the contract accepts; True where a retry is safe.
CALLS: dict[str, tuple[Call, bool]] = {
    "health": (lambda c: c.health(), True),
    "get_customer": (lambda c: c.get_customer("C1001"), True),
    "recent_orders": (lambda c: c.recent_orders("C1001", limit=3), True),
    "lookup_order": (lambda c: c.lookup_order("10001", Caller(ALEX, "conv-1")), True),
    "change_shipping_address": (
        lambda c: c.change_shipping_address(
            "10002", Caller(ALEX, "conv-1"), "1 Elm Street, Springfield"
        ),
        True,
    ),
    "list_returns": (lambda c: c.list_returns("10003"), True),
    "get_return": (lambda c: c.get_return("RMA-AB12CD34"), True),
    "cancel_order": (lambda c: c.cancel_order("10002", Caller(ALEX, "conv-1")), False),
    "create_return": (
        lambda c: c.create_return("10003", Caller(ALEX, "conv-1"), "shoes", "too small", "refund"),
        False,
    ),
    "create_ticket": (
        lambda c: c.create_ticket("conv-1", "complaint", "Parcel arrived damaged", ""),
        False,
    ),
    "request_password_reset": (
        lambda c: c.request_password_reset("alex.kim@example.com", "conv-1"),
        False,
    ),
}


def fault_settings(url: str, **overrides: Any) -> ActionSettings:
    """Short timeouts keep fault tests quick; the breaker stays out of the way unless asked."""
    values: dict[str, Any] = {
        "backend_url": url,
        "backend_token": "any-token",
        "backend_connect_timeout_s": 0.5,
        "backend_read_timeout_s": 0.4,
        "backend_retries": 2,
        "backend_retry_backoff_s": 0.05,
        "backend_circuit_threshold": 100,
        "backend_circuit_cooldown_s": 60.0,
    }
    return replace(ActionSettings(), **{**values, **overrides})


def worst_case_s(settings: ActionSettings, idempotent: bool) -> float:
    """Every attempt uses its whole connect + read time and every backoff is at its longest."""
    attempts = 1 + (settings.backend_retries if idempotent else 0)
    per_attempt = settings.backend_connect_timeout_s + settings.backend_read_timeout_s
    backoffs = sum(settings.backend_retry_backoff_s * 2**n for n in range(attempts - 1))
    return attempts * per_attempt + backoffs


@asynccontextmanager
async def client_for(settings: ActionSettings) -> AsyncIterator[BackendClient]:
    client = BackendClient(settings)
    try:
        yield client
    finally:
        await client.close()


def circuit_settings(url: str, threshold: int = 2, **overrides: Any) -> ActionSettings:
    """No retries, and a breaker that opens after ``threshold`` failures for 0.3 s."""
    return fault_settings(
        url,
        backend_retries=0,
        backend_circuit_threshold=threshold,
        backend_circuit_cooldown_s=0.3,
        **overrides,
    )


async def failure_of(
    call: Awaitable[Any], expected: type[errors.BackendError]
) -> tuple[Any, float]:
    """The error the call raised (which must be ``expected``) and how long the call took."""
    started = time.monotonic()
    with pytest.raises(expected) as caught:
        await call
    return caught.value, time.monotonic() - started


async def open_the_circuit(client: BackendClient, failures: int = 2) -> None:
    """``failures`` health checks that fail (the backend is set to fail), opening the breaker."""
    for _ in range(failures):
        await failure_of(client.health(), errors.BackendUnavailable)


# --- faults: the backend is down, slow or broken ----------------------------------------------


async def test_nothing_listening_is_unavailable_within_budget() -> None:
    settings = fault_settings(f"http://127.0.0.1:{free_port()}/api/v1")
    async with client_for(settings) as client:
        error, took = await failure_of(CALLS["lookup_order"][0](client), errors.BackendUnavailable)
    assert error.reason == "unreachable"
    assert took < 3 * worst_case_s(settings, idempotent=True)


@pytest.mark.parametrize("name", ["lookup_order", "create_return"])
async def test_slow_backend_times_out_and_only_safe_calls_are_retried(
    faulty_backend: FaultyBackend, name: str
) -> None:
    call, idempotent = CALLS[name]
    faulty_backend.stall()
    settings = fault_settings(faulty_backend.url)
    async with client_for(settings) as client:
        error, took = await failure_of(call(client), errors.BackendUnavailable)
    assert error.reason == "timeout"
    assert len(faulty_backend.requests) == (3 if idempotent else 1)
    assert took < 3 * worst_case_s(settings, idempotent)


@pytest.mark.parametrize("name", list(CALLS))
async def test_server_errors_are_retried_only_for_safe_calls(
    faulty_backend: FaultyBackend, name: str
) -> None:
    call, idempotent = CALLS[name]
    faulty_backend.reply_json(500, {"error": "internal_error", "message": "boom"})
    async with client_for(fault_settings(faulty_backend.url)) as client:
        error, _ = await failure_of(call(client), errors.BackendUnavailable)
    assert (error.reason, error.status) == ("server_error", 500)
    assert len(faulty_backend.requests) == (3 if idempotent else 1)


async def test_a_proxy_error_page_is_unavailable(faulty_backend: FaultyBackend) -> None:
    faulty_backend.reply_bytes(502, b"<html><body>502 Bad Gateway</body></html>")
    async with client_for(fault_settings(faulty_backend.url, backend_retries=0)) as client:
        error, _ = await failure_of(client.get_customer("C1001"), errors.BackendUnavailable)
    assert (error.reason, error.status) == ("server_error", 502)


async def test_invalid_json_is_a_protocol_error_and_not_retried(
    faulty_backend: FaultyBackend,
) -> None:
    faulty_backend.reply_bytes(200, b'{"order_id": "10001", "status": "shipp')
    async with client_for(fault_settings(faulty_backend.url)) as client:
        await failure_of(CALLS["lookup_order"][0](client), errors.BackendProtocolError)
    assert len(faulty_backend.requests) == 1


@pytest.mark.parametrize("name", list(CALLS))
async def test_a_reply_of_the_wrong_shape_is_a_protocol_error(
    faulty_backend: FaultyBackend, name: str
) -> None:
    faulty_backend.reply_json(200, {"data": {"status": "shipped"}})
    async with client_for(fault_settings(faulty_backend.url)) as client:
        await failure_of(CALLS[name][0](client), errors.BackendProtocolError)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("recent_orders", {"orders": [{"order_id": "10001", "status": "shipped"}]}),
        ("recent_orders", {"orders": {"10001": "shipped"}}),
        ("list_returns", {"returns": ["RMA-AB12CD34"]}),
        ("get_customer", ["C1001"]),
    ],
)
async def test_lists_and_entries_of_the_wrong_shape_are_protocol_errors(
    faulty_backend: FaultyBackend, name: str, body: Any
) -> None:
    faulty_backend.reply_json(200, body)
    async with client_for(fault_settings(faulty_backend.url)) as client:
        await failure_of(CALLS[name][0](client), errors.BackendProtocolError)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, b"<html>Not Found</html>"),  # BACKEND_URL points at some other web server
        (418, json.dumps({"error": "teapot", "message": "short and stout"}).encode()),
        (302, b"{}"),  # redirects are not followed: a backend does not move its API
    ],
)
async def test_answers_outside_the_contract_are_protocol_errors(
    faulty_backend: FaultyBackend, status: int, body: bytes
) -> None:
    faulty_backend.reply_bytes(status, body)
    async with client_for(fault_settings(faulty_backend.url)) as client:
        await failure_of(client.get_customer("C1001"), errors.BackendProtocolError)
    assert len(faulty_backend.requests) == 1


async def test_one_connection_is_reused_across_calls(faulty_backend: FaultyBackend) -> None:
    async with client_for(fault_settings(faulty_backend.url)) as client:
        for _ in range(3):
            assert await client.health() == {"status": "ok"}
    assert len({request.peer_port for request in faulty_backend.requests}) == 1


# --- circuit breaker ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error_type"),
    [
        (500, b'{"error": "internal_error", "message": "boom"}', errors.BackendUnavailable),
        (200, b"not json", errors.BackendProtocolError),
    ],
)
async def test_circuit_opens_after_consecutive_failures_and_then_fails_fast(
    faulty_backend: FaultyBackend, status: int, body: bytes, error_type: type[errors.BackendError]
) -> None:
    faulty_backend.reply_bytes(status, body)
    settings = fault_settings(faulty_backend.url, backend_retries=0, backend_circuit_threshold=3)
    async with client_for(settings) as client:
        for _ in range(3):
            await failure_of(client.health(), error_type)
        error, _ = await failure_of(client.health(), errors.BackendUnavailable)
        assert error.reason == "circuit_open"
    assert len(faulty_backend.requests) == 3


async def test_contract_error_answers_break_the_run_of_failures(
    faulty_backend: FaultyBackend,
) -> None:
    settings = fault_settings(faulty_backend.url, backend_retries=0, backend_circuit_threshold=2)
    async with client_for(settings) as client:
        faulty_backend.reply_json(500, {"error": "internal_error", "message": "boom"})
        await failure_of(client.health(), errors.BackendUnavailable)
        faulty_backend.reply_json(404, {"error": "customer_not_found", "message": "no such"})
        await failure_of(client.get_customer("C9999"), errors.NotFound)
        faulty_backend.reply_json(500, {"error": "internal_error", "message": "boom"})
        await failure_of(client.health(), errors.BackendUnavailable)
        faulty_backend.reply_json(200, {"status": "ok"})
        assert await client.health() == {"status": "ok"}
    assert len(faulty_backend.requests) == 4


async def test_circuit_lets_a_trial_through_after_cooldown_and_closes_on_success(
    faulty_backend: FaultyBackend,
) -> None:
    async with client_for(circuit_settings(faulty_backend.url)) as client:
        faulty_backend.reply_json(503, {"error": "database_unavailable", "message": "down"})
        await open_the_circuit(client)
        faulty_backend.reply_json(200, {"status": "ok"})
        error, _ = await failure_of(client.health(), errors.BackendUnavailable)
        assert error.reason == "circuit_open"
        assert len(faulty_backend.requests) == 2

        await asyncio.sleep(0.5)  # past the cooldown
        assert await client.health() == {"status": "ok"}
        assert await client.health() == {"status": "ok"}
    assert len(faulty_backend.requests) == 4


async def test_a_failed_trial_opens_the_circuit_again(faulty_backend: FaultyBackend) -> None:
    faulty_backend.reply_json(500, {"error": "internal_error", "message": "boom"})
    async with client_for(circuit_settings(faulty_backend.url)) as client:
        await open_the_circuit(client)
        await asyncio.sleep(0.5)
        error, _ = await failure_of(client.health(), errors.BackendUnavailable)
        assert error.reason == "server_error"
        error, _ = await failure_of(client.health(), errors.BackendUnavailable)
        assert error.reason == "circuit_open"
    assert len(faulty_backend.requests) == 3


async def test_one_trial_at_a_time_and_a_cancelled_trial_frees_the_slot(
    faulty_backend: FaultyBackend,
) -> None:
    settings = circuit_settings(faulty_backend.url, threshold=1, backend_read_timeout_s=30.0)
    async with client_for(settings) as client:
        faulty_backend.reply_json(500, {"error": "internal_error", "message": "boom"})
        await open_the_circuit(client, failures=1)
        await asyncio.sleep(0.5)

        faulty_backend.stall()
        trial = asyncio.create_task(client.health())
        await faulty_backend.wait_for_requests(2)
        error, _ = await failure_of(client.health(), errors.BackendUnavailable)
        assert error.reason == "circuit_open"

        trial.cancel()  # e.g. Rasa gave up on the action while the trial was in flight
        with suppress(asyncio.CancelledError):
            await trial
        faulty_backend.reply_json(200, {"status": "ok"})
        assert await client.health() == {"status": "ok"}
    assert len(faulty_backend.requests) == 3


# --- the real reference backend ---------------------------------------------------------------


async def test_reads(backend_client: BackendClient) -> None:
    assert await backend_client.health() == {"status": "ok"}
    customer = await backend_client.get_customer("C1001")
    assert (customer["first_name"], customer["email"]) == ("Alex", "alex.kim@example.com")
    orders = await backend_client.recent_orders("C1001", limit=2)
    assert len(orders) == 2
    assert {order["customer_id"] for order in orders} == {"C1001"}

    order = await backend_client.lookup_order("10001", Caller(ALEX, "conv-reads"))
    assert (order["status"], order["carrier"]) == ("shipped", "UPS")
    assert order["tracking_url"]
    same = await backend_client.lookup_order(
        "10001", Caller({"customer_id": "C1001"}, "conv-reads")
    )
    assert same == order

    missing = (await failure_of(backend_client.get_customer("C9999"), errors.NotFound))[0]
    assert missing.code == "customer_not_found"


async def test_a_wrong_email_reveals_nothing_and_is_throttled(
    backend_client: BackendClient,
) -> None:
    wrong, _ = await failure_of(
        backend_client.lookup_order("10001", Caller(SAM, "conv-x")), errors.NotFound
    )
    unknown, _ = await failure_of(
        backend_client.lookup_order("99999", Caller(ALEX, "conv-x")), errors.NotFound
    )
    assert (wrong.code, str(wrong), wrong.details) == (unknown.code, str(unknown), {})
    for n in range(4):  # five failures on 10001, each from another conversation
        await failure_of(
            backend_client.lookup_order("10001", Caller(SAM, f"conv-{n}")), errors.NotFound
        )

    throttled, _ = await failure_of(
        backend_client.lookup_order("10001", Caller(ALEX, "conv-new")), errors.TooManyAttempts
    )
    assert throttled.code == "too_many_attempts"
    assert throttled.retry_after is not None and throttled.retry_after > 0
    # Another order is not affected.
    assert (await backend_client.lookup_order("10002", Caller(ALEX, "conv-y")))[
        "order_id"
    ] == "10002"


async def test_the_client_address_limits_guesses_over_all_orders(
    backend_client: BackendClient,
) -> None:
    for n in range(10):
        await failure_of(
            backend_client.lookup_order(f"9990{n}", Caller(ALEX, f"c-{n}", "192.0.2.5")),
            errors.NotFound,
        )
    await failure_of(
        backend_client.lookup_order("10001", Caller(ALEX, "c-x", "192.0.2.5")),
        errors.TooManyAttempts,
    )
    other = await backend_client.lookup_order("10001", Caller(ALEX, "c-y", "192.0.2.6"))
    assert other["order_id"] == "10001"


async def test_order_changes_and_their_conflicts(backend_client: BackendClient) -> None:
    cancelled = await backend_client.cancel_order("10002", Caller(ALEX, "conv-w"))
    assert cancelled["status"] == "cancelled"
    refused, _ = await failure_of(
        backend_client.cancel_order("10001", Caller(ALEX, "conv-w")), errors.Conflict
    )
    assert (refused.code, refused.details["status"]) == ("not_cancellable", "shipped")

    moved = await backend_client.change_shipping_address(
        "20001", Caller(SAM, "conv-w"), "  12 O'Brien Road; Flat 3  "
    )
    assert moved["shipping_address"] == "12 O'Brien Road; Flat 3"
    locked, _ = await failure_of(
        backend_client.change_shipping_address("10001", Caller(ALEX, "conv-w"), "1 Elm Street"),
        errors.Conflict,
    )
    assert locked.code == "address_locked"


async def test_returns_round_trip(backend_client: BackendClient) -> None:
    ambiguous, _ = await failure_of(
        backend_client.create_return(
            "10003", Caller(ALEX, "conv-r"), "running", "too big", "refund"
        ),
        errors.Conflict,
    )
    assert ambiguous.code == "item_ambiguous"
    assert len(ambiguous.details["items"]) == 2
    unknown, _ = await failure_of(
        backend_client.create_return(
            "10003", Caller(ALEX, "conv-r"), "umbrella", "broken", "refund"
        ),
        errors.NotFound,
    )
    assert unknown.code == "item_not_found"

    created = await backend_client.create_return(
        "10003", Caller(ALEX, "conv-r"), "shoes", "too small", "refund"
    )
    assert created["rma"].startswith("RMA-")
    assert [entry["rma"] for entry in await backend_client.list_returns("10003")] == [
        created["rma"]
    ]
    assert await backend_client.get_return(created["rma"]) == created
    assert await backend_client.list_returns("10001") == []

    expired, _ = await failure_of(
        backend_client.create_return("10004", Caller(ALEX, "conv-r"), "jacket", "leaks", "refund"),
        errors.Conflict,
    )
    assert (expired.code, expired.details["window_days"]) == ("return_window_expired", 30)
    gone, _ = await failure_of(backend_client.get_return("RMA-ZZZZ9999"), errors.NotFound)
    assert gone.code == "return_not_found"


async def test_tickets_and_password_resets(backend_client: BackendClient) -> None:
    ticket = await backend_client.create_ticket(
        "conv-t", "human_handoff", "Wants a person", "user: agent please", customer_id="C1001"
    )
    assert ticket["ticket_id"].startswith("T-")
    assert ticket["status"] == "open"
    reset = await backend_client.request_password_reset("nobody@example.com", "conv-t")
    assert reset == {"status": "sent_if_account_exists"}


async def test_refused_input_names_every_bad_field(backend_client: BackendClient) -> None:
    refused, _ = await failure_of(
        backend_client.create_ticket("conv-t", "Not A Code", "", "", email="not-an-email"),
        errors.InvalidRequest,
    )
    assert {"category", "summary", "email"} <= set(refused.fields)
    refused, _ = await failure_of(
        backend_client.lookup_order("10001", Caller({}, "conv-t")), errors.InvalidRequest
    )
    assert "identity" in refused.fields


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.lookup_order("10001/../../customers/C1001", Caller(ALEX, "conv-p")),
        lambda c: c.get_customer("C1001/orders"),
        lambda c: c.get_customer(".."),
        lambda c: c.get_return("../tickets/T-1"),
    ],
)
async def test_path_values_cannot_reach_another_endpoint(
    backend_client: BackendClient, call: Call
) -> None:
    with pytest.raises((errors.InvalidRequest, errors.NotFound)):
        await call(backend_client)


async def test_a_wrong_token_is_unauthorized_and_does_not_open_the_circuit(
    reference_backend: RunningBackend,
) -> None:
    settings = reference_backend.client_settings(
        backend_token="wrong-token", backend_circuit_threshold=1
    )
    async with client_for(settings) as client:
        for _ in range(2):
            await failure_of(client.get_customer("C1001"), errors.Unauthorized)
        assert await client.health() == {"status": "ok"}


def test_a_client_keeps_working_when_the_event_loop_changes(
    reference_backend: RunningBackend,
) -> None:
    """Each test (and each Sanic worker) has its own loop; a session from a finished loop is
    never reused, so the shared client cannot break on a stale loop."""
    client = BackendClient(reference_backend.client_settings())

    async def health_then_close() -> dict[str, Any]:
        try:
            return await client.health()
        finally:
            await client.close()

    assert asyncio.run(client.health()) == {"status": "ok"}
    assert asyncio.run(health_then_close()) == {"status": "ok"}


async def test_actions_share_one_client_configured_from_the_environment(
    faulty_backend: FaultyBackend, use_shared_client: Callable[..., BackendClient]
) -> None:
    shared = use_shared_client(faulty_backend.url, "any-token", BACKEND_RETRIES="0")
    assert get_client() is shared
    faulty_backend.reply_json(500, {"error": "internal_error", "message": "boom"})
    await failure_of(get_client().get_customer("C1001"), errors.BackendUnavailable)
    assert len(faulty_backend.requests) == 1


# --- settings and the action server's lifecycle -------------------------------------------------


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKEND_URL", raising=False)
    monkeypatch.setenv("BACKEND_PORT", "9100")
    monkeypatch.setenv("BACKEND_READ_TIMEOUT", "1.5")
    settings = load_settings()
    assert settings.backend_url == "http://127.0.0.1:9100/api/v1"
    assert settings.backend_read_timeout_s == 1.5
    assert settings.backend_retries == 1  # a chat customer should wait seconds, not ten

    for name, value in [("BACKEND_READ_TIMEOUT", "0"), ("BACKEND_RETRIES", "two")]:
        monkeypatch.setenv(name, value)
        with pytest.raises(ValueError, match=name):
            load_settings()
        monkeypatch.delenv(name)


PROBE_ACTION = """
from rasa_sdk import Action

from actions.backend_client import get_client


class ActionProbeBackend(Action):
    def name(self):
        return "action_probe_backend"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text=(await get_client().health())["status"])
        return []
"""


def test_the_action_server_closes_the_client_when_it_stops(
    reference_backend: RunningBackend, tmp_path: Path, server_logs: Path
) -> None:
    package = tmp_path / "probe_actions"
    package.mkdir()
    (package / "__init__.py").write_text(PROBE_ACTION)
    port = free_port()
    env = {
        "PYTHONPATH": str(tmp_path),
        "BACKEND_URL": reference_backend.url,
        "BACKEND_TOKEN": reference_backend.token,
        **SERVER_TOKENS,
    }
    command = [str(VENV_BIN / "python"), "-m", "actions.server", "--actions", "probe_actions"]
    server = ServerProcess(
        f"probe-actions-{port}",
        [*command, "--port", str(port)],
        f"http://127.0.0.1:{port}/health",
        server_logs,
        env,
    ).start(timeout_s=120)
    try:
        tracker = {"sender_id": "probe", "slots": {}, "latest_message": {}, "events": []}
        call = {"next_action": "action_probe_backend", "tracker": tracker, "domain": {}}
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/webhook",
            data=json.dumps({**call, "sender_id": "probe", "version": "3.6.2"}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {ACTION_SERVER_TOKEN}",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.load(response)["responses"][0]["text"] == "ok"
    finally:
        server.stop()
    log = server.tail(200)
    assert "backend client closed" in log
    assert "Unclosed" not in log
