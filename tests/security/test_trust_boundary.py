"""An attacker who can reach the assistant's ports, against the servers as ``make run`` starts them.

Only the customer channels are public; Rasa's HTTP API needs RASA_AUTH_TOKEN, the action server
ACTION_SERVER_TOKEN and listens on loopback only, oversized bodies get a JSON 413 (never a reset),
and the widget refuses foreign pages by default. Every door is also tried WITH its key, so these
tests fail if the key stops mattering as much as if the door opens.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
import requests  # test-side HTTP client only

from bot.deploy.nginx import BalancerLayout, render_nginx_conf
from bot.rasa_server import rasa_argv
from bot.settings import Settings
from bot.testing.full_stack import FullStack
from bot.testing.processes import (
    ACTION_SERVER_TOKEN,
    BACKEND_TOKEN,
    PROJECT_ROOT,
    RASA_AUTH_TOKEN,
    ServerProcess,
    api_url,
)
from bot.testing.stack import AGENT, Review, signed_in, start_review
from bot.testing.waiting import wait_until

pytestmark = pytest.mark.slow

TEN_MB = 10 * 1024 * 1024
FORM = "application/x-www-form-urlencoded"
VICTIM = "C1001"  # seeded: Alex Kim, order 10001 shipped with UPS tracking 1Z999AA10123456784
VICTIM_NAME, VICTIM_TRACKING = "Alex", "1Z999AA10123456784"


@pytest.fixture(scope="module")
def review(stack: FullStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Review]:
    """The review app with the shipped widget origins (WIDGET_ALLOWED_ORIGINS unset)."""
    rasa_url = stack.rasa.health_url.removesuffix("/status")
    directory = tmp_path_factory.mktemp("trust-boundary-review")
    app = start_review(rasa_url, directory, directory, name="review-trust", shop_origins=None)
    yield app
    app.server.stop()


def base(server: ServerProcess) -> str:
    return server.health_url.rsplit("/", 1)[0].replace("/api/v1", "")


def replies_text(replies: list[dict]) -> str:
    return "\n".join(str(reply.get("text") or "") for reply in replies)


# --- Rasa's HTTP API ------------------------------------------------------------------------


API_DOORS = [
    ("GET", "/conversations/{sender}/tracker", None),
    ("POST", "/conversations/{sender}/tracker/events", [{"event": "pause"}]),
    ("GET", "/conversations/{sender}/story", None),
    ("POST", "/conversations/{sender}/execute", {"name": "action_greet"}),
    ("PUT", "/model", {"model_file": "/tmp/attacker.tar.gz"}),
    ("POST", "/model/train", {}),
    ("POST", "/model/parse", {"text": "hi"}),
    ("DELETE", "/model", None),
    ("GET", "/domain", None),
    ("GET", "/status", None),
]


@pytest.mark.parametrize(("method", "path", "body"), API_DOORS)
@pytest.mark.parametrize("token", [None, "wrong-token", ""])
def test_api_refuses_every_call_without_the_token(
    stack: FullStack, method: str, path: str, body: object, token: str | None
) -> None:
    sender = f"victim-{uuid.uuid4().hex[:8]}"
    stack.say(sender, "hi")
    url = base(stack.rasa) + path.format(sender=sender)
    params = {} if token is None else {"token": token}
    reply = requests.request(method, url, params=params, json=body, timeout=30)
    assert reply.status_code == 401, reply.text
    # nothing changed: the conversation is not paused and the model still answers
    tracker = requests.get(api_url(stack.rasa, f"/conversations/{sender}/tracker"), timeout=30)
    assert tracker.json()["paused"] is False
    assert requests.get(api_url(stack.rasa, "/status"), timeout=30).json()["model_id"]


def test_only_the_guarded_rest_channel_takes_customer_turns(stack: FullStack) -> None:
    """socket.io skipped the REST channel's validation and rate limits; the widget never used it."""
    for path in ("/socket.io/?EIO=4&transport=polling", "/webhooks/socketio/"):
        assert requests.get(base(stack.rasa) + path, timeout=30).status_code == 404, path
    assert requests.get(base(stack.rasa) + "/webhooks/rest/", timeout=30).status_code == 200


def test_api_works_with_the_token(stack: FullStack) -> None:
    sender = f"owner-{uuid.uuid4().hex[:8]}"
    stack.say(sender, "hi")
    tracker = requests.get(api_url(stack.rasa, f"/conversations/{sender}/tracker"), timeout=30)
    assert tracker.status_code == 200
    assert [e["text"] for e in tracker.json()["events"] if e["event"] == "user"] == ["hi"]
    parse = requests.post(api_url(stack.rasa, "/model/parse"), json={"text": "hi"}, timeout=30)
    assert parse.status_code == 200 and parse.json()["intent"]["name"]


def test_slot_injection_is_refused_and_the_attacker_is_not_greeted_as_the_victim(
    stack: FullStack,
) -> None:
    events = [{"event": "slot", "name": "customer_id", "value": VICTIM}]
    attacker = f"attacker-{uuid.uuid4().hex[:8]}"
    url = base(stack.rasa) + f"/conversations/{attacker}/tracker/events"
    assert requests.post(url, json=events, timeout=30).status_code == 401
    greeting = stack.say(attacker, "hi")
    order = stack.say(attacker, "where is my order 10001")
    assert VICTIM_NAME not in greeting
    assert VICTIM_TRACKING not in order
    tracker = requests.get(api_url(stack.rasa, f"/conversations/{attacker}/tracker"), timeout=30)
    assert tracker.json()["slots"].get("customer_id") != VICTIM


def test_slot_events_are_accepted_with_the_token(stack: FullStack) -> None:
    """The same call with the key goes through: the 401 above is the token's doing."""
    sender = f"admin-{uuid.uuid4().hex[:8]}"
    events = [{"event": "slot", "name": "handoff_reason", "value": "test"}]
    url = api_url(stack.rasa, f"/conversations/{sender}/tracker/events")
    assert requests.post(url, json=events, timeout=30).status_code == 200
    tracker = requests.get(api_url(stack.rasa, f"/conversations/{sender}/tracker"), timeout=30)
    assert tracker.json()["slots"]["handoff_reason"] == "test"


@pytest.mark.parametrize("path", ["/webhooks/rest/webhook", "/status", "/conversations/x/tracker"])
def test_a_foreign_origin_gets_no_cors_headers(stack: FullStack, path: str) -> None:
    origin = {"Origin": "http://evil.test"}
    preflight = requests.options(
        base(stack.rasa) + path,
        headers={**origin, "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    plain = requests.get(base(stack.rasa) + path, headers=origin, timeout=30)
    for reply in (preflight, plain):
        assert "Access-Control-Allow-Origin" not in reply.headers
        assert "Access-Control-Allow-Credentials" not in reply.headers


def test_cors_origins_come_only_from_the_setting() -> None:
    settings = Settings(rasa_auth_token="t")
    assert "--cors" not in rasa_argv(settings, ["--port", "1"])
    listed = Settings(rasa_auth_token="t", rasa_cors_origins=("https://shop.example",))
    argv = rasa_argv(listed, ["--port", "1"])
    assert argv[argv.index("--cors") + 1 :] == ["https://shop.example"]
    assert argv[argv.index("--auth-token") + 1] == "t"


@pytest.mark.parametrize("module", ["bot.rasa_server", "actions.server"])
def test_servers_refuse_to_start_without_their_secret(module: str) -> None:
    run = subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "-m", module, "--port", "1"],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT)},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0 and "is empty" in run.stderr


# --- the action server -------------------------------------------------------------------------


def forged_call(sender: str) -> dict:
    """What Rasa would post for action_greet in a conversation of the victim."""
    slots = {"customer_id": VICTIM, "customer_first_name": VICTIM_NAME}
    tracker = {
        "sender_id": sender,
        "slots": slots,
        "latest_message": {"text": "hi", "intent": {"name": "greet"}},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    return {"next_action": "action_greet", "sender_id": sender, "tracker": tracker,
            "domain": {}, "version": "3.6.2"}  # fmt: skip


def backend_lookups(stack: FullStack) -> int:
    return stack.backend.log_path.read_text(errors="replace").count(f"/customers/{VICTIM}")


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Bearer {ACTION_SERVER_TOKEN}x"])
def test_a_forged_tracker_without_the_secret_is_refused_and_nothing_is_fetched(
    stack: FullStack, authorization: str | None
) -> None:
    before = backend_lookups(stack)
    headers = {"Authorization": authorization} if authorization else {}
    webhook, actions = base(stack.actions) + "/webhook", base(stack.actions) + "/actions"
    for reply in (
        requests.post(webhook, json=forged_call("forger"), headers=headers, timeout=30),
        requests.get(actions, headers=headers, timeout=30),
    ):
        assert reply.status_code == 401, reply.text
        assert reply.json()["error"] == "unauthorized"
        assert "10001" not in reply.text
    assert backend_lookups(stack) == before


def test_the_right_secret_runs_the_action(stack: FullStack) -> None:
    before = backend_lookups(stack)
    reply = requests.post(
        base(stack.actions) + "/webhook",
        json=forged_call("rasa"),
        headers={"Authorization": f"Bearer {ACTION_SERVER_TOKEN}"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    responses = reply.json()["responses"]
    assert responses[0]["response"] == "utter_greet_customer"
    assert any(r.get("number") for r in responses)  # the victim's latest order, from the backend
    # The backend writes its access log line just after it answers.
    wait_until(lambda: backend_lookups(stack) > before, "the backend's log of the lookup", 10)


def non_loopback_address() -> str | None:
    try:
        output = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=10)
    except OSError:
        return None
    addresses = [a for a in output.stdout.split() if ":" not in a and not a.startswith("127.")]
    return addresses[0] if addresses else None


@pytest.mark.parametrize("server", ["actions", "rasa", "backend"])
def test_servers_listen_on_loopback_only(stack: FullStack, server: str) -> None:
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    port = urlsplit(getattr(stack, server).health_url).port
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass  # reachable on loopback...
    with pytest.raises(OSError), socket.create_connection((address, port), timeout=5):
        pass  # ...and not from the network


# --- oversized bodies ----------------------------------------------------------------------------


def post_raw(url: str, size: int, chunked: bool, headers: dict[str, str]) -> tuple[int, bytes]:
    """POST ``size`` bytes with http.client (which sends it all, then reads the answer)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    body = b"x" * size
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    all_headers = {"Content-Type": "application/json", **headers}
    try:
        if chunked:
            pieces = (body[i : i + 65536] for i in range(0, size, 65536))
            connection.request("POST", target, pieces, all_headers, encode_chunked=True)
        else:
            connection.request("POST", target, body, all_headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize(
    ("server", "path", "headers"),
    [
        ("rasa", "/webhooks/rest/webhook", {}),
        ("rasa", f"/model/parse?token={RASA_AUTH_TOKEN}", {}),
        ("actions", "/webhook", {"Authorization": f"Bearer {ACTION_SERVER_TOKEN}"}),
        ("backend", "/api/v1/tickets", {}),
    ],
)
def test_ten_megabytes_get_a_json_413_not_a_reset(
    stack: FullStack, server: str, path: str, headers: dict[str, str], chunked: bool
) -> None:
    root = base(getattr(stack, server))
    if server == "backend":
        headers = {"Authorization": f"Bearer {BACKEND_TOKEN}"}
    status, body = post_raw(root + path, TEN_MB, chunked, headers)
    assert status == 413, body
    assert json.loads(body)["error"]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_ten_megabytes_to_the_review_app_get_a_json_413(
    review: Review, chunked: bool
) -> None:
    """A signed-in agent's form post to the API (bodies are read after the login check)."""

    async def pieces() -> AsyncIterator[bytes]:
        for _ in range(TEN_MB // 65536):
            yield b"x" * 65536

    session = await signed_in(review.url, AGENT)
    try:
        body = pieces() if chunked else b"x" * TEN_MB
        url, form = f"{review.url}/api/nlu/labels", {"Content-Type": FORM}
        async with session.post(url, data=body, headers=form) as reply:
            assert reply.status == 413, await reply.text()
            assert (await reply.json())["error"]
    finally:
        await session.close()


def test_without_the_secret_a_huge_body_is_refused_cleanly(stack: FullStack) -> None:
    """No key: 401 before the body matters, still an answer rather than a reset."""
    status, body = post_raw(base(stack.actions) + "/webhook", TEN_MB, False, {})
    assert (status, json.loads(body)["error"]) == (401, "unauthorized")


# --- the widget -----------------------------------------------------------------------------------


async def open_widget(review: Review, origin: str) -> int:
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(review.socket_url, headers={"Origin": origin}):
                return 101
        except aiohttp.WSServerHandshakeError as error:
            return error.status


async def test_the_widget_refuses_a_foreign_origin_by_default(review: Review) -> None:
    assert await open_widget(review, "http://evil.test") == 403
    assert await open_widget(review, review.url) == 101  # the review app's own demo page


# --- the scale-out balancer -------------------------------------------------------------------


def server_blocks(conf: str) -> dict[str, str]:
    """The text of each nginx ``server { ... }`` block, keyed by its ``listen`` address."""
    blocks, depth, start = {}, 0, None
    for index, char in enumerate(conf):
        if conf.startswith("server {", index) and depth == 1:
            start = index
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 1 and start is not None:
                block = conf[start : index + 1]
                listen = block.split("listen ", 1)[1].split(";", 1)[0]
                blocks[listen] = block
                start = None
    return blocks


def test_the_public_balancer_listener_forwards_only_the_channels(tmp_path: Path) -> None:
    layout = BalancerLayout("0.0.0.0", 5005, 5055, (5006, 5007), (5056, 5057), 5008)  # noqa: S104
    blocks = server_blocks(render_nginx_conf(layout, tmp_path, tmp_path / "access.log"))
    public = blocks["0.0.0.0:5005"]
    locations = [
        line.strip() for line in public.splitlines() if line.strip().startswith("location")
    ]
    assert locations == [
        "location @too_large {",
        "location = /webhooks/rest/webhook {",
        "location = /webhooks/rest/ {",
        "location / {",
    ]
    catch_all = public.split("location / {", 1)[1].split("}", 1)[0]
    assert "proxy_pass" not in catch_all and "return 404" in catch_all
    assert "proxy_pass http://rasa_nodes" in blocks["127.0.0.1:5008"]  # API: loopback only
