"""Settings read once from the environment into one typed object.

Nothing else in the package reads ``os.environ``. Every knob is declared once below, with its
variable, parser, default and help (:mod:`bot.envvars`); the README's configuration table is
checked against these declarations by tests/test_settings_docs.py.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot import shared_settings as shared
from bot.envvars import flag, integer, items, load, number, path, ports, secret, setting

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "IE", "AU")
REDACT_KINDS = ("email", "phone", "card", "iban", "address", "name")
NAME_SLOTS = ("customer_first_name", "customer_last_name", "customer_name")


def _redact_kinds(name: str, raw: str) -> frozenset[str]:
    kinds = frozenset(items(name, raw))
    unknown = kinds - set(REDACT_KINDS)
    if unknown:
        raise ValueError(f"{name} has unknown kinds: {', '.join(sorted(unknown))}")
    return kinds


def _phone_regions(name: str, raw: str) -> tuple[str, ...]:
    """Countries whose national phone formats (``07911 123456``) redaction recognises."""
    regions = tuple(region.upper() for region in items(name, raw))
    malformed = [region for region in regions if len(region) != 2 or not region.isalpha()]
    if malformed:
        raise ValueError(f"{name} wants ISO country codes, got {', '.join(malformed)}")
    return regions


def _var_path(*parts: str) -> Path:
    return PROJECT_ROOT.joinpath("var", *parts)


def _checkout_path(name: str, relative: str, *, help: str) -> Any:  # noqa: A002 (as setting)
    """A path setting whose default is ``relative`` to the checkout, shown as written there."""
    return setting(
        name,
        parse=path,
        shown=relative,
        default_factory=lambda: Path(os.path.normpath(PROJECT_ROOT / relative)),
        help=help,
    )


def _var_database(
    name: str,
    scheme: str,
    file: str,
    *,
    help: str,  # noqa: A002 (as setting)
    **options: Any,
) -> Any:
    """A database URL setting whose default is the SQLite database ``var/<file>``."""
    return setting(
        name,
        f"{scheme}:///{_var_path(file)}",
        shown=f"{scheme}:///var/{file}",
        help=help,
        **options,
    )


def _own_origins(values: Mapping[str, Any]) -> tuple[str, ...]:
    """The review app's own pages (the demo shop) unless WIDGET_ALLOWED_ORIGINS names others."""
    port = values["review_port"]
    names = (values["host"], "127.0.0.1", "localhost")
    return tuple(dict.fromkeys(f"http://{name}:{port}" for name in names))


@dataclass(frozen=True)
class Settings:
    """Process-wide configuration; build with :func:`load_settings`."""

    host: str = shared.bot_host()
    rasa_port: int = setting("RASA_PORT", 5005, parse=integer(0), help="Rasa server")
    action_port: int = shared.action_port()
    backend_port: int = shared.backend_port()
    review_port: int = setting(
        "REVIEW_PORT", 8000, parse=integer(0), help="review app and widget demo page"
    )
    var_dir: Path = _checkout_path("BOT_VAR_DIR", "var/", help="local databases and spool files")
    models_dir: Path = _checkout_path("BOT_MODELS_DIR", "models/", help="trained models")
    audit_advisories_dir: Path = _checkout_path(
        "AUDIT_ADVISORIES_DIR",
        "../shared/advisories",
        help="offline advisory snapshot the dependency audit reads",
    )
    backend_database_url: str = _var_database(
        "BACKEND_DATABASE_URL", "sqlite+aiosqlite", "backend.db", help="reference backend database"
    )
    backend_token: str = shared.backend_token()
    # Where the agent inbox's customer panel reads profiles, orders and tickets.
    backend_url: str = shared.backend_url("host")
    backend_ticket_follow_up_hours: int = setting(
        "BACKEND_TICKET_FOLLOW_UP_HOURS", 24, parse=integer(1), help="ticket follow-up due"
    )
    # Failed order+email checks: a cooling-off after this many on one order, or this many from
    # one client address over all orders, within the window (shared by every backend instance).
    identity_max_failures: int = setting(
        "IDENTITY_MAX_FAILURES", 5, parse=integer(1), help="failed checks per order"
    )
    identity_max_failures_per_address: int = setting(
        "IDENTITY_MAX_FAILURES_PER_ADDRESS", 10, parse=integer(1), help="failed checks per address"
    )
    identity_window_minutes: int = setting(
        "IDENTITY_WINDOW_MINUTES", 15, parse=integer(1), help="window of the failed checks"
    )
    cx_database_url: str = _var_database(
        "CX_DATABASE_URL", "sqlite+aiosqlite", "cxlog.db", help="CX log store"
    )
    cx_retention_days: int = setting(
        "CX_RETENTION_DAYS", 365, parse=integer(1), help="conversations older than this are purged"
    )
    # Rasa's SQL tracker store (endpoints*.yml), whose old conversations the purge deletes too.
    rasa_tracker_database_url: str = _var_database(
        "RASA_TRACKER_DATABASE_URL",
        "sqlite",
        "tracker.db",
        empty_is_value=True,
        help="Rasa's SQL tracker store, for the purge; empty = leave it alone",
    )
    cx_abandon_minutes: int = setting(
        "CX_ABANDON_MINUTES", 30, parse=integer(1), help="silence that decides a conversation"
    )
    cx_redact_pii: bool = setting("CX_REDACT_PII", True, parse=flag, help="redact personal data")
    cx_redact_kinds: frozenset[str] = setting(
        "CX_REDACT_KINDS",
        parse=_redact_kinds,
        shown=",".join(REDACT_KINDS),
        default_factory=lambda: frozenset(REDACT_KINDS),
        help="which kinds of personal data are redacted",
    )
    cx_phone_regions: tuple[str, ...] = setting(
        "CX_PHONE_REGIONS",
        DEFAULT_PHONE_REGIONS,
        parse=_phone_regions,
        help="countries whose national phone formats are recognised",
    )
    cx_name_slots: tuple[str, ...] = setting(
        "CX_NAME_SLOTS", NAME_SLOTS, parse=items, help="slots holding the customer's name"
    )
    cx_queue_size: int = setting(
        "CX_QUEUE_SIZE", 10_000, parse=integer(1), help="event broker's in-memory queue"
    )
    cx_batch_size: int = setting("CX_BATCH_SIZE", 500, parse=integer(1), help="write batch")
    cx_spool_max_mb: int = setting(
        "CX_SPOOL_MAX_MB", 100, parse=integer(1), help="disk spool while the store is down"
    )
    # The same RABBITMQ_* variables the scale-out endpoints file uses.
    rabbitmq_host: str = setting("RABBITMQ_HOST", "127.0.0.1", help="RabbitMQ host")
    rabbitmq_port: int = setting("RABBITMQ_PORT", 5672, parse=integer(1), help="RabbitMQ port")
    rabbitmq_user: str = setting("RABBITMQ_USER", "guest", help="RabbitMQ user")
    rabbitmq_password: str = setting(
        "RABBITMQ_PASSWORD", "guest", parse=secret, help="RabbitMQ password"
    )
    rabbitmq_queue: str = setting("RABBITMQ_QUEUE", "cx_events", help="queue of Rasa's events")
    review_secret_key: str = setting(
        "REVIEW_SECRET_KEY", "", parse=secret, shown="generated", help="signs review sessions"
    )
    # Learning loop (bot/training): Rasa servers a promoted model is loaded into, their API
    # token, and how much F1 a known intent may lose before a candidate is refused.
    project_dir: Path = setting(
        "BOT_PROJECT_DIR",
        PROJECT_ROOT,
        parse=path,
        shown="the checkout",
        help="the Rasa project the learning loop exports into",
    )
    rasa_node_urls: tuple[str, ...] = setting(
        "RASA_NODE_URLS", (), parse=items, help="Rasa servers a promoted model is loaded into"
    )
    rasa_auth_token: str = setting(
        "RASA_AUTH_TOKEN", "", parse=secret, shown="generated", help="Rasa's HTTP API token"
    )
    # In the scale-out profile nginx's internal listener, since the public one serves channels.
    rasa_api_url: str = setting(
        "RASA_API_URL",
        "http://127.0.0.1:5005",
        shown="http://$BOT_HOST:$RASA_PORT",
        derive=lambda values: f"http://{values['host']}:{values['rasa_port']}",
        help="where the project's own services reach Rasa's HTTP API",
    )
    rasa_cors_origins: tuple[str, ...] = setting(
        "RASA_CORS_ORIGINS", (), parse=items, help="browser origins Rasa answers with CORS headers"
    )
    rasa_max_body_bytes: int = shared.max_body_bytes()
    nlu_gate_margin: float = setting(
        "NLU_GATE_MARGIN",
        0.02,
        parse=number(),
        help="share of its test questions a known topic may lose",
    )
    # NLU inbox surfacing (bot/training/surfacing.py): a message is novel when its similarity to
    # the closest examples of its intent is under that intent's percentile of its own examples';
    # the calibration and training embeddings are cached (by content) in the cache directory.
    nlu_novelty_percentile: float = setting(
        "NLU_NOVELTY_PERCENTILE", 15.0, parse=number(), shown="15", help="novelty percentile"
    )
    nlu_novelty_neighbours: int = setting(
        "NLU_NOVELTY_NEIGHBOURS", 3, parse=integer(1), help="closest examples compared"
    )
    nlu_novelty_cache_dir: Path = _checkout_path(
        "NLU_NOVELTY_CACHE_DIR", "var/cache/novelty", help="cached embeddings and calibrations"
    )
    nlu_rephrase_similarity: float = setting(
        "NLU_REPHRASE_SIMILARITY", 0.75, parse=number(), help="similarity of a rephrase"
    )
    nlu_faq_min_score: float = setting(
        "NLU_FAQ_MIN_SCORE", 0.5, parse=number(), help="FAQ answers under this are surfaced"
    )
    # Scale-out profile: node ports behind the nginx balancer (which listens on the ports above).
    scale_rasa_ports: tuple[int, ...] = setting(
        "SCALE_RASA_PORTS", (5006, 5007), parse=ports, help="Rasa nodes behind nginx"
    )
    scale_action_ports: tuple[int, ...] = setting(
        "SCALE_ACTION_PORTS", (5056, 5057), parse=ports, help="action servers behind nginx"
    )
    scale_rasa_api_port: int = setting(
        "SCALE_RASA_API_PORT", 5008, parse=integer(1), help="nginx's loopback API listener"
    )
    widget_token_secret: str = shared.widget_token_secret()
    # "*" = any site, only when set explicitly.
    widget_allowed_origins: tuple[str, ...] = setting(
        "WIDGET_ALLOWED_ORIGINS",
        ("http://127.0.0.1:8000", "http://localhost:8000"),
        parse=items,
        shown="the review app's own",
        derive=_own_origins,
        help="sites allowed to embed the widget",
    )
    # Offices share one IP; reconnect storms after a restart.
    widget_connects_per_minute: int = setting(
        "WIDGET_CONNECTS_PER_MINUTE", 120, parse=integer(1), help="new widget connections per IP"
    )
    # e.g. nginx in the scale-out profile; nobody by default.
    trusted_proxies: tuple[str, ...] = setting(
        "TRUSTED_PROXIES", (), parse=items, shown="none", help="proxies whose XFF is believed"
    )
    handoff_hours: str = setting(
        "HANDOFF_HOURS", "always", help='when agents work, e.g. "mon-fri 09:00-17:00"'
    )
    handoff_timezone: str = setting("HANDOFF_TIMEZONE", "UTC", help="time zone of the hours")

    @property
    def redacted_kinds(self) -> frozenset[str]:
        """What the CX log redacts: nothing when ``CX_REDACT_PII`` is off."""
        return self.cx_redact_kinds if self.cx_redact_pii else frozenset()

    @property
    def rabbitmq_url(self) -> str:
        user = quote(self.rabbitmq_user, safe="")
        password = quote(self.rabbitmq_password, safe="")
        return f"amqp://{user}:{password}@{self.rabbitmq_host}:{self.rabbitmq_port}/"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def rasa_nodes(self) -> list[str]:
        """Every Rasa server to load a promoted model into (default: the one of ``make run``)."""
        return list(self.rasa_node_urls) or [self.rasa_api_url]

    @property
    def action_server_url(self) -> str:
        return f"http://{self.host}:{self.action_port}/webhook"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the environment once; raise ``ValueError`` naming the variable that is malformed."""
    return load(Settings, environ)
