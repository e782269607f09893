"""Login, sessions, lockout, CSRF, roles and security headers of the real review app."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import update

from bot.cxlog.database import create_engine, session_factory
from bot.review.app import create_app
from bot.review.auth.security import safe_next
from bot.review.common.models import ConversationTag, LoginThrottle, ReviewSession, ReviewUser
from bot.review.common.state import SESSION_COOKIE
from bot.testing.review_app import (
    PASSWORD,
    Browser,
    Chat,
    count,
    execute,
    review_settings,
    running_review_app,
    user_id_of,
    write_chats,
)

PAGES = ["/", "/conversations", "/conversations/1", "/dashboard", "/users"]
API = [
    "/api/conversations",
    "/api/conversations/1",
    "/api/dashboard",
    "/api/conversations/export.csv",
    "/api/conversations/export.json",
]
FORMS = [
    "/conversations/1/tags",
    "/conversations/1/tags/remove",
    "/conversations/1/notes",
    "/conversations/1/notes/1/delete",
    "/users",
    "/users/1",
    "/logout",
]


async def one_conversation(database_url: str) -> None:
    chat = Chat("auth-1", datetime(2026, 3, 1, 9, tzinfo=UTC)).say("where is my order", "track")
    await write_chats(database_url, [chat.bot("It is on its way.")])


async def test_strangers_are_sent_to_login_and_the_api_answers_401(
    browser: Browser, database_url: str
) -> None:
    await one_conversation(database_url)
    for path in PAGES:
        reply = await browser.get(path)
        assert reply.status == 302, path
        assert reply.headers["Location"].startswith("/login?next="), path
    for path in API:
        reply = await browser.get(path)
        assert reply.status == 401, path
        assert reply.json() == {"error": "sign in first"}
    for path in FORMS:
        reply = await browser.post(path, {"tag": "x", "body": "x", "role": "admin"})
        assert reply.status == 302 and reply.headers["Location"] == "/login", path
    assert await count(database_url, ConversationTag) == 0
    # Public: the login page, the health check and the static files.
    assert (await browser.get("/login")).status == 200
    assert (await browser.get("/healthz")).json() == {"status": "ok"}
    assert (await browser.get("/static/review.css")).status == 200


async def test_login_starts_a_session_with_a_hardened_cookie(browser: Browser) -> None:
    reply = await browser.login("viewer")
    assert reply.status == 302 and reply.headers["Location"] == "/conversations"
    cookie = next(c for c in reply.headers.getall("Set-Cookie") if SESSION_COOKIE in c)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on loopback; Secure follows https
    assert (await browser.get("/conversations")).status == 200
    assert (await browser.get("/api/conversations")).json()["conversations"] == []


async def test_login_returns_to_the_page_asked_for_but_never_to_another_site(
    browsers: Callable[[], Browser],
) -> None:
    first = browsers()
    asked = await first.get("/dashboard?from=2026-01-01")
    page = await first.get(asked.headers["Location"])
    token = page.text.split('name="login_token" value="')[1].split('"')[0]
    assert 'name="next" value="/dashboard?from=2026-01-01"' in page.text
    form = {
        "login_token": token,
        "username": "viewer",
        "password": PASSWORD,
        "next": "/dashboard?from=2026-01-01",
    }
    assert (await first.post("/login", form)).headers["Location"] == "/dashboard?from=2026-01-01"

    second = browsers()
    page = await second.get("/login?next=//evil.example/steal")
    token = page.text.split('name="login_token" value="')[1].split('"')[0]
    form = {"login_token": token, "username": "viewer", "password": PASSWORD}
    reply = await second.post("/login", {**form, "next": "https://evil.example/"})
    assert reply.headers["Location"] == "/conversations"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/conversations?q=x", "/conversations?q=x"),
        ("//evil.example", "/conversations"),
        ("/\\evil.example", "/conversations"),
        ("https://evil.example/", "/conversations"),
        ("javascript:alert(1)", "/conversations"),
        ("", "/conversations"),
        (None, "/conversations"),
    ],
)
def test_safe_next_keeps_only_local_paths(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


async def test_wrong_password_and_unknown_user_get_the_same_answer(browser: Browser) -> None:
    wrong = await browser.login("viewer", "not the password at all")
    unknown = await browser.login("nobody-here", "not the password at all")
    assert wrong.status == unknown.status == 401
    assert "Wrong username or password." in wrong.text
    assert "Wrong username or password." in unknown.text
    assert (await browser.get("/conversations")).status == 302


async def test_repeated_failures_lock_the_account_even_for_the_right_password(
    browsers: Callable[[], Browser], database_url: str
) -> None:
    attacker = browsers()
    for _ in range(5):
        assert (await attacker.login("annotator", "guessing-password")).status == 401
    locked = await attacker.login("annotator", PASSWORD)
    assert locked.status == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in locked.text
    # The lock is on the account, so the real user waits too; other accounts are not affected.
    assert (await browsers().login("annotator", PASSWORD)).status == 429
    assert (await browsers().login("viewer", PASSWORD)).status == 302
    assert await count(database_url, ReviewSession) == 1

    # Once the lockout has run out, the right password works and clears the counter.
    the_past = datetime.now(UTC) - timedelta(seconds=1)
    await execute(
        database_url,
        update(LoginThrottle)
        .where(LoginThrottle.key == "user:annotator")
        .values(locked_until=the_past),
    )
    assert (await browsers().login("annotator", PASSWORD)).status == 302
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            assert await session.get(LoginThrottle, "user:annotator") is None
    finally:
        await engine.dispose()


async def test_the_login_form_needs_its_own_token(browser: Browser, database_url: str) -> None:
    await browser.get("/login")
    form = {"username": "viewer", "password": PASSWORD}
    assert (await browser.post("/login", form)).status == 403
    assert (await browser.post("/login", {**form, "login_token": "forged"})).status == 403
    assert await count(database_url, ReviewSession) == 0


async def test_logout_ends_the_session_for_good(
    browsers: Callable[[], Browser], database_url: str
) -> None:
    browser = browsers()
    await browser.login("viewer")
    stolen = browser.session.cookie_jar.filter_cookies(browser.base_url)[SESSION_COOKIE].value
    assert (await browser.submit("/logout")).headers["Location"] == "/login"
    assert (await browser.get("/conversations")).status == 302
    assert await count(database_url, ReviewSession) == 0

    replay = browsers()
    reply = await replay.get("/conversations", cookies={SESSION_COOKIE: stolen})
    assert reply.status == 302


async def test_forged_or_altered_cookies_are_ignored(browsers: Callable[[], Browser]) -> None:
    real = browsers()
    await real.login("admin")
    value = real.session.cookie_jar.filter_cookies(real.base_url)[SESSION_COOKIE].value
    token, _, signature = value.rpartition(".")
    for forged in (f"{token}x.{signature}", f"{token}.{signature[:-2]}AA", token, "a.b"):
        reply = await browsers().get("/api/conversations", cookies={SESSION_COOKIE: forged})
        assert reply.status == 401, forged


async def test_state_changes_need_the_csrf_token_and_our_origin(
    browser: Browser, database_url: str
) -> None:
    await one_conversation(database_url)
    await browser.login("annotator")
    assert (await browser.post("/conversations/1/tags", {"tag": "x"})).status == 403
    wrong = {"tag": "x", "csrf_token": "not-the-token"}
    assert (await browser.post("/conversations/1/tags", wrong)).status == 403
    right = {"tag": "x", "csrf_token": browser.csrf_token}
    elsewhere = {"Origin": "https://evil.example"}
    assert (await browser.post("/conversations/1/tags", right, headers=elsewhere)).status == 403
    assert await count(database_url, ConversationTag) == 0

    header = {"X-CSRF-Token": browser.csrf_token, "Origin": browser.base_url}
    assert (await browser.post("/conversations/1/tags", {"tag": "x"}, headers=header)).status == 303
    assert await count(database_url, ConversationTag) == 1


async def test_roles_are_ordered(browsers: Callable[[], Browser], database_url: str) -> None:
    await one_conversation(database_url)
    viewer, annotator, agent, admin = (browsers() for _ in range(4))
    for browser, name in ((viewer, "viewer"), (annotator, "annotator"), (agent, "agent")):
        await browser.login(name)
    await admin.login("admin")

    assert (await viewer.get("/conversations/1")).status == 200
    assert (await viewer.submit("/conversations/1/tags", {"tag": "mine"})).status == 403
    assert "Add tag" not in (await viewer.get("/conversations/1")).text
    for browser in (annotator, agent, admin):
        assert (await browser.submit("/conversations/1/tags", {"tag": "ok"})).status == 303
        assert "Add tag" in (await browser.get("/conversations/1")).text
    for browser in (viewer, annotator, agent):
        assert (await browser.get("/users")).status == 403
        assert ">Users</a>" not in (await browser.get("/conversations")).text
    assert (await admin.get("/users")).status == 200
    assert ">Users</a>" in (await admin.get("/conversations")).text


async def test_admin_adds_and_disables_users(
    browsers: Callable[[], Browser], database_url: str
) -> None:
    admin = browsers()
    await admin.login("admin")
    form = {"username": "Newbie", "role": "annotator", "password": "short"}
    reply = await admin.submit("/users", form)
    assert reply.status == 400 and "at least 12 characters" in reply.text
    assert await count(database_url, ReviewUser) == 4

    form["password"] = "a long enough password"
    assert (await admin.submit("/users", form)).status == 303
    newbie = browsers()
    assert (await newbie.login("newbie", "a long enough password")).status == 302
    assert (await newbie.get("/conversations")).status == 200

    assert "newbie" in (await admin.get("/users")).text
    user_id = await user_id_of(database_url, "newbie")
    disable = {"role": "annotator", "active": "no"}
    assert (await admin.submit(f"/users/{user_id}", disable)).status == 303
    assert (await newbie.get("/conversations")).status == 302
    assert (await browsers().login("newbie", "a long enough password")).status == 401


async def test_admin_sets_and_clears_a_display_name(
    browsers: Callable[[], Browser], database_url: str
) -> None:
    admin = browsers()
    await admin.login("admin")
    form = {"username": "sam", "role": "agent", "password": "a long enough password"}
    assert (await admin.submit("/users", {**form, "display_name": "Sam"})).status == 303
    user_id = await user_id_of(database_url, "sam")
    page = (await admin.get("/users")).text
    assert 'name="display_name" form="user-' in page and 'value="Sam"' in page
    renamed = {"role": "agent", "active": "yes", "display_name": "Sam <from> Support"}
    assert (await admin.submit(f"/users/{user_id}", renamed)).status == 303
    assert "Sam &lt;from&gt; Support" in (await admin.get("/users")).text
    cleared = {"role": "agent", "active": "yes", "display_name": "  "}
    assert (await admin.submit(f"/users/{user_id}", cleared)).status == 303
    assert 'value="Sam' not in (await admin.get("/users")).text
    too_long = {"role": "agent", "active": "yes", "display_name": "x" * 70}
    reply = await admin.submit(f"/users/{user_id}", too_long)
    assert reply.status == 400 and "display name" in reply.text


async def test_the_last_admin_cannot_demote_themselves(browser: Browser, database_url: str) -> None:
    await browser.login("admin")
    admin_id = await user_id_of(database_url, "admin")
    reply = await browser.submit(f"/users/{admin_id}", {"role": "viewer", "active": "yes"})
    assert reply.status == 400 and "last active admin" in reply.text
    assert (await browser.get("/users")).status == 200


async def test_every_response_carries_the_security_headers(browser: Browser) -> None:
    await browser.login("viewer")
    for path in ("/conversations", "/api/dashboard", "/static/review.css", "/nope", "/login"):
        headers = (await browser.get(path)).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
    assert (await browser.get("/conversations")).headers["Cache-Control"] == "no-store"


async def test_pages_have_no_inline_scripts_or_styles(browser: Browser) -> None:
    await browser.login("admin")
    for path in ("/login", "/conversations", "/dashboard", "/users"):
        html = (await browser.get(path)).text
        assert "<script>" not in html and "<style" not in html and " style=" not in html, path
        assert " on" + "click=" not in html


@pytest.mark.parametrize("secret", ["", "too-short"])
def test_the_app_refuses_to_start_without_a_real_secret_key(secret: str) -> None:
    with pytest.raises(ValueError, match="REVIEW_SECRET_KEY"):
        create_app(review_settings("sqlite+aiosqlite:///unused.db", review_secret_key=secret))


def self_signed_context(directory: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


async def test_over_https_the_cookie_is_secure_and_hsts_is_sent(
    database_url: str, tmp_path: Path
) -> None:
    settings = review_settings(database_url)
    async with running_review_app(settings, ssl=self_signed_context(tmp_path)) as new_browser:
        browser = new_browser()
        assert browser.base_url.startswith("https://")
        reply = await browser.request("GET", "/login", ssl=False)
        token = reply.text.split('name="login_token" value="')[1].split('"')[0]
        form = {"login_token": token, "username": "viewer", "password": PASSWORD}
        signed_in = await browser.request("POST", "/login", data=form, ssl=False)
        assert signed_in.status == 302
        cookie = next(c for c in signed_in.headers.getall("Set-Cookie") if SESSION_COOKIE in c)
        assert "Secure" in cookie and "HttpOnly" in cookie
        assert signed_in.headers["Strict-Transport-Security"] == "max-age=31536000"


async def test_an_admin_lifts_a_lockout_by_saving_the_account(
    browsers: Callable[[], Browser], database_url: str
) -> None:
    for _ in range(5):
        await browsers().login("agent", "guessing-password")
    assert (await browsers().login("agent", PASSWORD)).status == 429
    admin = browsers()
    await admin.login("admin")
    agent_id = await user_id_of(database_url, "agent")
    saved = await admin.submit(f"/users/{agent_id}", {"role": "agent", "active": "yes"})
    assert saved.status == 303
    assert (await browsers().login("agent", PASSWORD)).status == 302
