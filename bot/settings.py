"""Settings read once from the environment into one typed object.

Nothing else in the package reads ``os.environ``: every knob is listed here with a safe default,
and the README's configuration table mirrors this file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "IE", "AU")


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from exc


def _env_list(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return tuple(part.strip() for part in raw.split(",") if part.strip())


REDACT_KINDS = ("email", "phone", "card", "iban", "address", "name")


def _cx_redact_kinds() -> frozenset[str]:
    """``CX_REDACT_PII=false`` turns redaction off; ``CX_REDACT_KINDS`` picks the kinds."""
    if _env("CX_REDACT_PII", "true").strip().lower() in ("0", "false", "no", "off"):
        return frozenset()
    kinds = frozenset(_env_list("CX_REDACT_KINDS", REDACT_KINDS))
    unknown = kinds - set(REDACT_KINDS)
    if unknown:
        raise ValueError(f"CX_REDACT_KINDS has unknown kinds: {', '.join(sorted(unknown))}")
    return kinds


def _cx_phone_regions() -> tuple[str, ...]:
    """Countries whose national phone formats (``07911 123456``) redaction recognises."""
    regions = tuple(r.upper() for r in _env_list("CX_PHONE_REGIONS", DEFAULT_PHONE_REGIONS))
    malformed = [region for region in regions if len(region) != 2 or not region.isalpha()]
    if malformed:
        raise ValueError(f"CX_PHONE_REGIONS wants ISO country codes, got {', '.join(malformed)}")
    return regions


def _rabbitmq_url() -> str:
    """The same RABBITMQ_* variables the scale-out endpoints file uses."""
    user = quote(_env("RABBITMQ_USER", "guest"), safe="")
    password = quote(_env("RABBITMQ_PASSWORD", "guest"), safe="")
    host = _env("RABBITMQ_HOST", "127.0.0.1")
    return f"amqp://{user}:{password}@{host}:{_env_int('RABBITMQ_PORT', 5672)}/"


def _env_ports(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise ValueError(f"{name} must be comma-separated ports, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """Process-wide configuration; build with :func:`load_settings`."""

    host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_port: int = 5055
    backend_port: int = 8001
    review_port: int = 8000
    var_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "var")
    models_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "models")
    # Offline advisory snapshot the dependency audit reads (bot/audit).
    audit_advisories_dir: Path = field(
        default_factory=lambda: PROJECT_ROOT.parent / "shared" / "advisories"
    )
    # Reference commerce backend (bot/backend).
    backend_database_url: str = "sqlite+aiosqlite:///var/backend.db"
    backend_token: str = ""
    backend_ticket_follow_up_hours: int = 24
    # Failed order+email checks: a cooling-off after this many on one order, or this many from
    # one client address over all orders, within the window (shared by every backend instance).
    identity_max_failures: int = 5
    identity_max_failures_per_address: int = 10
    identity_window_minutes: int = 15
    # CX log store and review app (bot/cxlog, bot/review).
    cx_database_url: str = "sqlite+aiosqlite:///var/cxlog.db"
    cx_retention_days: int = 365
    # Rasa's SQL tracker store (endpoints*.yml), whose old conversations the purge deletes too.
    rasa_tracker_database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"
    # CX log pipeline (bot/cxlog): outcome rules, redaction, broker queue and disk spool.
    cx_abandon_minutes: int = 30
    cx_redact_kinds: frozenset[str] = frozenset(REDACT_KINDS)
    cx_phone_regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS
    cx_name_slots: tuple[str, ...] = ("customer_first_name", "customer_last_name", "customer_name")
    cx_queue_size: int = 10_000
    cx_batch_size: int = 500
    cx_spool_max_mb: int = 100
    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    rabbitmq_queue: str = "cx_events"
    review_secret_key: str = ""
    # Learning loop (bot/training): Rasa servers a promoted model is loaded into, their API
    # token, and how much F1 a known intent may lose before a candidate is refused.
    project_dir: Path = PROJECT_ROOT  # the Rasa project the learning loop exports into
    rasa_node_urls: tuple[str, ...] = ()
    rasa_auth_token: str = ""
    # Rasa's HTTP API for the project's own services (the review app's widget gateway and inbox);
    # in the scale-out profile nginx's internal listener, since the public one serves channels only.
    rasa_api_url: str = "http://127.0.0.1:5005"
    # Browser origins Rasa answers with CORS headers (default none: the widget uses the gateway).
    rasa_cors_origins: tuple[str, ...] = ()
    # Largest request body Rasa accepts on any route (bigger: a JSON 413).
    rasa_max_body_bytes: int = 1024 * 1024
    nlu_gate_margin: float = 0.02
    # NLU inbox surfacing (bot/training/surfacing.py): a message is novel when its similarity to
    # the closest examples of its intent is under that intent's percentile of its own examples';
    # the calibration and training embeddings are cached (by content) in the cache directory.
    nlu_novelty_percentile: float = 15.0
    nlu_novelty_neighbours: int = 3
    nlu_novelty_cache_dir: Path = field(
        default_factory=lambda: PROJECT_ROOT / "var" / "cache" / "novelty"
    )
    nlu_rephrase_similarity: float = 0.75
    nlu_faq_min_score: float = 0.5
    # Scale-out profile: node ports behind the nginx balancer (which listens on the ports above).
    scale_rasa_ports: tuple[int, ...] = (5006, 5007)
    scale_action_ports: tuple[int, ...] = (5056, 5057)
    scale_rasa_api_port: int = 5008  # nginx's loopback-only listener for Rasa's HTTP API
    # Widget customer tokens signed by the host site (bot/livechat).
    widget_token_secret: str = ""
    # Pages allowed to open the widget's websocket (default: the review app's own pages; "*" =
    # any site, only when set explicitly).
    widget_allowed_origins: tuple[str, ...] = ("http://127.0.0.1:8000", "http://localhost:8000")
    # New widget connections per client IP (offices share one IP; reconnect storms after a restart).
    widget_connects_per_minute: int = 120
    # Addresses (or networks) of proxies whose X-Forwarded-For the REST channel believes, e.g.
    # nginx in the scale-out profile; nobody by default.
    trusted_proxies: tuple[str, ...] = ()
    # Live human handoff (bot/livechat): when agents work, e.g. "mon-fri 09:00-17:00".
    handoff_hours: str = "always"
    handoff_timezone: str = "UTC"

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


def _widget_origins(host: str, review_port: int) -> tuple[str, ...]:
    """The review app's own pages (the demo shop) unless WIDGET_ALLOWED_ORIGINS names others."""
    own = dict.fromkeys(f"http://{name}:{review_port}" for name in (host, "127.0.0.1", "localhost"))
    return _env_list("WIDGET_ALLOWED_ORIGINS", tuple(own))


def load_settings() -> Settings:
    """Read the environment once; raise ``ValueError`` naming the variable that is malformed."""
    host = _env("BOT_HOST", "127.0.0.1")
    return Settings(
        host=host,
        rasa_port=_env_int("RASA_PORT", 5005),
        action_port=_env_int("ACTION_PORT", 5055),
        backend_port=_env_int("BACKEND_PORT", 8001),
        review_port=_env_int("REVIEW_PORT", 8000),
        var_dir=Path(_env("BOT_VAR_DIR", str(PROJECT_ROOT / "var"))),
        models_dir=Path(_env("BOT_MODELS_DIR", str(PROJECT_ROOT / "models"))),
        audit_advisories_dir=Path(
            _env("AUDIT_ADVISORIES_DIR", str(PROJECT_ROOT.parent / "shared" / "advisories"))
        ),
        backend_database_url=_env(
            "BACKEND_DATABASE_URL", f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'backend.db'}"
        ),
        backend_token=_env("BACKEND_TOKEN", ""),
        backend_ticket_follow_up_hours=_env_int("BACKEND_TICKET_FOLLOW_UP_HOURS", 24),
        identity_max_failures=_env_int("IDENTITY_MAX_FAILURES", 5),
        identity_max_failures_per_address=_env_int("IDENTITY_MAX_FAILURES_PER_ADDRESS", 10),
        identity_window_minutes=_env_int("IDENTITY_WINDOW_MINUTES", 15),
        cx_database_url=_env(
            "CX_DATABASE_URL", f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'cxlog.db'}"
        ),
        cx_retention_days=_env_int("CX_RETENTION_DAYS", 365),
        rasa_tracker_database_url=_env(
            "RASA_TRACKER_DATABASE_URL", f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"
        ),
        cx_abandon_minutes=_env_int("CX_ABANDON_MINUTES", 30),
        cx_redact_kinds=_cx_redact_kinds(),
        cx_phone_regions=_cx_phone_regions(),
        cx_name_slots=_env_list(
            "CX_NAME_SLOTS", ("customer_first_name", "customer_last_name", "customer_name")
        ),
        cx_queue_size=_env_int("CX_QUEUE_SIZE", 10_000),
        cx_batch_size=_env_int("CX_BATCH_SIZE", 500),
        cx_spool_max_mb=_env_int("CX_SPOOL_MAX_MB", 100),
        rabbitmq_url=_rabbitmq_url(),
        rabbitmq_queue=_env("RABBITMQ_QUEUE", "cx_events"),
        review_secret_key=_env("REVIEW_SECRET_KEY", ""),
        widget_token_secret=_env("WIDGET_TOKEN_SECRET", ""),
        widget_allowed_origins=_widget_origins(host, _env_int("REVIEW_PORT", 8000)),
        widget_connects_per_minute=_env_int("WIDGET_CONNECTS_PER_MINUTE", 120),
        trusted_proxies=_env_list("TRUSTED_PROXIES", ()),
        handoff_hours=_env("HANDOFF_HOURS", "always"),
        handoff_timezone=_env("HANDOFF_TIMEZONE", "UTC"),
        project_dir=Path(_env("BOT_PROJECT_DIR", str(PROJECT_ROOT))),
        rasa_node_urls=_env_list("RASA_NODE_URLS", ()),
        rasa_auth_token=_env("RASA_AUTH_TOKEN", ""),
        rasa_api_url=_env("RASA_API_URL", f"http://{host}:{_env_int('RASA_PORT', 5005)}"),
        rasa_cors_origins=_env_list("RASA_CORS_ORIGINS", ()),
        rasa_max_body_bytes=_env_int("SANIC_REQUEST_MAX_SIZE", 1024 * 1024),
        nlu_gate_margin=float(_env("NLU_GATE_MARGIN", "0.02")),
        nlu_novelty_percentile=float(_env("NLU_NOVELTY_PERCENTILE", "15")),
        nlu_novelty_neighbours=_env_int("NLU_NOVELTY_NEIGHBOURS", 3),
        nlu_novelty_cache_dir=Path(
            _env("NLU_NOVELTY_CACHE_DIR", str(PROJECT_ROOT / "var" / "cache" / "novelty"))
        ),
        nlu_rephrase_similarity=float(_env("NLU_REPHRASE_SIMILARITY", "0.75")),
        nlu_faq_min_score=float(_env("NLU_FAQ_MIN_SCORE", "0.5")),
        scale_rasa_ports=_env_ports("SCALE_RASA_PORTS", (5006, 5007)),
        scale_action_ports=_env_ports("SCALE_ACTION_PORTS", (5056, 5057)),
        scale_rasa_api_port=_env_int("SCALE_RASA_API_PORT", 5008),
    )
