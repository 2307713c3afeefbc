"""Configuration classes. Every value can be set from the environment; `.env.example` lists them."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from flask_babel import lazy_gettext as _l

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int_or_none(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else None


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'portal.db'}"
    # Platforms still hand out postgres:// URLs; SQLAlchemy wants an explicit driver.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


# Example values that are public (in this repository's history and .env.example): never a real key.
PUBLISHED_SECRETS = frozenset({"dev-secret-change-me", "change-me"})


def instance_secret(path: str | Path) -> str:
    """The key stored at `path`; on first use a new random one, written readable by the owner only."""
    import secrets

    path = Path(path)
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first: use theirs
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


class Config:
    """Production defaults: secure cookies, secrets from the environment."""

    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # The public address users reach the portal at. Links in emails are built from this,
    # never from the request's Host header, which an attacker controls.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
    SERVER_NAME = os.environ.get("SERVER_NAME") or None
    TENANT_BASE_DOMAIN = os.environ.get("TENANT_BASE_DOMAIN") or None
    DEFAULT_TENANT = os.environ.get("DEFAULT_TENANT") or None

    REDIS_URL = os.environ.get("REDIS_URL") or None
    # The API hot path (docs/api.md): how long a process trusts its cached keys and tenants (at most 5 s;
    # with Redis a change reaches every process within 1 s anyway), and the quota leases.
    ACCESS_CACHE_TTL = float(os.environ.get("ACCESS_CACHE_TTL", "5"))
    METER_LEASE_SECONDS = float(os.environ.get("METER_LEASE_SECONDS", "1"))
    METER_LEASE_MAX_BLOCK = int(os.environ.get("METER_LEASE_MAX_BLOCK", "100"))

    ISOLATION_STRATEGY = os.environ.get("ISOLATION_STRATEGY", "row")
    TRIAL_DAYS = int(os.environ.get("TRIAL_DAYS", "14"))
    INVITATION_TTL_DAYS = int(os.environ.get("INVITATION_TTL_DAYS", "7"))
    DELETED_TENANT_GRACE_DAYS = int(os.environ.get("DELETED_TENANT_GRACE_DAYS", "30"))
    # Billing (docs/billing.md): who collects (`manual` or `stripe`), days an invoice is payable.
    BILLING_PROVIDER = os.environ.get("BILLING_PROVIDER", "manual")
    BILLING_INVOICE_DUE_DAYS = int(os.environ.get("BILLING_INVOICE_DUE_DAYS", "14"))
    # The unpaid walk, in days from the failed payment: dunning emails, then read-only, suspended,
    # pending deletion, and the purge that many days after pending deletion began.
    BILLING_DUNNING_DAYS = os.environ.get("BILLING_DUNNING_DAYS", "0,3,7")
    BILLING_READ_ONLY_DAY = int(os.environ.get("BILLING_READ_ONLY_DAY", "14"))
    BILLING_SUSPEND_DAY = int(os.environ.get("BILLING_SUSPEND_DAY", "30"))
    BILLING_PENDING_DELETION_DAY = int(os.environ.get("BILLING_PENDING_DELETION_DAY", "60"))
    BILLING_PURGE_AFTER_DAYS = int(os.environ.get("BILLING_PURGE_AFTER_DAYS", "30"))
    # Stripe (BILLING_PROVIDER=stripe; docs/billing.md, "Stripe"): the secret API key, the webhook
    # endpoint's signing secret, and another API base for a Stripe-compatible server (localstripe).
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY") or None
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET") or None
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE") or None
    PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "10"))
    PASSWORD_HASH_METHOD = "scrypt"
    PRODUCT_NAME = os.environ.get("PRODUCT_NAME", "Tenantry")

    JWT_ISSUER = os.environ.get("JWT_ISSUER", "saas-portal")
    JWT_AUDIENCE = os.environ.get("JWT_AUDIENCE", "saas-portal-api")
    JWT_TTL_SECONDS = int(os.environ.get("JWT_TTL_SECONDS", "900"))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Server-side sessions (services/sessions.py): `database` (default) or `redis` (needs REDIS_URL).
    SESSION_STORE = os.environ.get("SESSION_STORE") or "database"
    SESSION_REDIS_PREFIX = os.environ.get("SESSION_REDIS_PREFIX", "session:")
    # A session idle this long is over; with "keep me signed in", SESSION_REMEMBER_DAYS instead.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "720"))
    SESSION_REMEMBER_DAYS = int(os.environ.get("SESSION_REMEMBER_DAYS", "30"))
    PERMANENT_SESSION_LIFETIME = timedelta(days=SESSION_REMEMBER_DAYS)
    # Two-factor authentication (services/mfa.py, docs/account.md).
    PLATFORM_ADMIN_REQUIRE_2FA = _bool("PLATFORM_ADMIN_REQUIRE_2FA", True)
    MFA_REMEMBER_DAYS = int(os.environ.get("MFA_REMEMBER_DAYS", "30"))
    MFA_RATE_LIMIT = os.environ.get("MFA_RATE_LIMIT", "5 per minute")  # wrong codes per account
    MFA_PENDING_SECONDS = int(os.environ.get("MFA_PENDING_SECONDS", "300"))  # password done, code pending
    WTF_CSRF_TIME_LIMIT = None

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"

    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Sign-in and password-reset requests per client address (Flask-Limiter syntax).
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    PASSWORD_RESET_RATE_LIMIT = os.environ.get("PASSWORD_RESET_RATE_LIMIT", "5 per 15 minutes")
    # Sign-up attempts per client address: each one creates an account and a tenant, and each refusal
    # says something about which emails exist.
    SIGNUP_RATE_LIMIT = os.environ.get("SIGNUP_RATE_LIMIT", "10 per hour")
    SALES_EMAIL = os.environ.get("SALES_EMAIL", "sales@example.com")  # the plan picker's "Contact sales"
    SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL", "support@example.com")  # status pages' "Email support"

    CACHE_TYPE = "RedisCache" if os.environ.get("REDIS_URL") else "SimpleCache"
    CACHE_REDIS_URL = os.environ.get("REDIS_URL")
    CACHE_DEFAULT_TIMEOUT = 300

    # Outgoing webhooks (services/webhooks.py): private, loopback and link-local targets are refused unless
    # this is set (tests and local development); a rotated secret stays valid this long; an endpoint is
    # disabled after this many failed tries in a row.
    WEBHOOK_ALLOW_PRIVATE = _bool("WEBHOOK_ALLOW_PRIVATE")
    WEBHOOK_SECRET_OVERLAP_HOURS = float(os.environ.get("WEBHOOK_SECRET_OVERLAP_HOURS", "24"))
    WEBHOOK_DISABLE_AFTER = int(os.environ.get("WEBHOOK_DISABLE_AFTER", "50"))

    # Beta features a platform admin may allow per tenant and the tenant then switches on
    # (services/beta_features.py): key -> label and description. An enabled beta is a flag of the
    # evaluation API (GET /api/v1/tenants/current/features) under its key.
    BETA_FEATURES: dict = {
        "new_editor": {"label": _l("New document editor"),
                       "description": _l("Write knowledge-base documents in the new editor.")},
        "usage_insights": {"label": _l("Usage insights"),
                           "description": _l("Charts of how your organisation uses the API, by key and by day.")},
    }

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    # Always real SMTP when MAIL_SERVER is set (Flask-Mailman would silently swap in an in-memory
    # backend under TESTING; our tests talk to a real SMTP server instead).
    MAIL_BACKEND = "smtp"
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "10"))  # seconds per SMTP conversation step
    # Mail comes from the product by name (set PRODUCT_NAME), not a generic "Portal".
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", f"{PRODUCT_NAME} <no-reply@portal.local>")
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR") or str(INSTANCE_DIR / "outbox")

    # Tenant plane (docs/isolation.md). Unset: the defaults named in the modules that read them.
    TENANT_DATABASE_DIR = os.environ.get("TENANT_DATABASE_DIR") or None  # instance/tenants/
    TENANT_ENGINE_CACHE_SIZE = _int_or_none("TENANT_ENGINE_CACHE_SIZE")  # 32 engines
    DOCUMENT_MAX_BYTES = _int_or_none("DOCUMENT_MAX_BYTES")  # 5 MiB
    # Any request body: unset = DOCUMENT_MAX_BYTES + 1 MiB (app/__init__.py); larger is a 413 unread.
    MAX_CONTENT_LENGTH = _int_or_none("MAX_CONTENT_LENGTH")
    # API (docs/api.md).
    JWT_SECRET_KEY = os.environ.get("JWT_SECRET_KEY") or None  # derived from SECRET_KEY
    API_TOKEN_RATE_LIMIT = os.environ.get("API_TOKEN_RATE_LIMIT", "10 per minute")
    API_MAX_JSON_BYTES = _int_or_none("API_MAX_JSON_BYTES")  # 1 MiB

    # Logs (app/web/logs.py): JSON lines in production, each with request id, tenant and actor.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    ACCESS_LOG = _bool("ACCESS_LOG", True)

    # Prometheus /metrics (app/web/metrics.py): in production only with Authorization: Bearer METRICS_TOKEN.
    METRICS_ENABLED = _bool("METRICS_ENABLED", True)
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    # Proxies in front of the app (load balancer, ingress) whose X-Forwarded-For/-Proto/-Host to trust.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    # Background jobs (docs/jobs.md): Celery with this broker; without one, jobs run inline after each commit.
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or None
    JOBS_BACKEND = os.environ.get("JOBS_BACKEND") or ("celery" if CELERY_BROKER_URL else "inline")
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "tenantry")

    # Single sign-on (docs/sso.md).
    SECRET_ENCRYPTION_KEY = os.environ.get("SECRET_ENCRYPTION_KEY") or None  # derived from SECRET_KEY
    DNS_RESOLVER = os.environ.get("DNS_RESOLVER") or None  # host:port for domain checks; default: the system's
    SSO_HTTP_TIMEOUT = float(os.environ.get("SSO_HTTP_TIMEOUT", "10"))  # seconds, calls to an IdP

    IMPERSONATION_MAX_MINUTES = int(os.environ.get("IMPERSONATION_MAX_MINUTES", "30"))
    STORAGE_DIR = os.environ.get("STORAGE_DIR") or str(INSTANCE_DIR / "storage")
    # Tenant files (app/services/storage.py): unset = STORAGE_DIR; s3://bucket/prefix = S3-compatible storage.
    STORAGE_URL = os.environ.get("STORAGE_URL") or None
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None  # MinIO, Ceph, R2 ...; unset: AWS
    S3_REGION = os.environ.get("S3_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None


class DevelopmentConfig(Config):
    """`make run`: embedded SQLite, cookies over plain http, a secret of this clone's own."""

    ENV_NAME = "development"
    # Unset: a random key generated into instance/secret_key on first run (`instance_secret`), so no
    # two clones share one and none is published.
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SECRET_KEY_FILE = os.environ.get("SECRET_KEY_FILE") or str(INSTANCE_DIR / "secret_key")
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    PLATFORM_ADMIN_REQUIRE_2FA = _bool("PLATFORM_ADMIN_REQUIRE_2FA", False)
    # REDIS_URL alone does not send `make run`'s jobs to a broker no worker listens on.
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or None
    JOBS_BACKEND = os.environ.get("JOBS_BACKEND") or ("celery" if CELERY_BROKER_URL else "inline")


class TestConfig(Config):
    """The test suite: a throwaway database named by TEST_DATABASE_URL or an in-instance SQLite file."""

    ENV_NAME = "testing"
    TESTING = True
    WEBHOOK_ALLOW_PRIVATE = True  # the tests' receivers listen on 127.0.0.1
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    CACHE_TYPE = "SimpleCache"
    REDIS_URL = None
    SESSION_STORE = "database"
    PLATFORM_ADMIN_REQUIRE_2FA = False
    MAIL_SERVER = None
    LOG_FORMAT = "text"
    STORAGE_URL = None
    # Jobs run inline unless a test opts into a real worker (tests/jobs/conftest.py).
    CELERY_BROKER_URL = None
    JOBS_BACKEND = "inline"
    PUBLIC_URL = "http://portal.test"
    SERVER_NAME = None
    DEFAULT_TENANT = None
    # Cheap hashing keeps a suite that creates hundreds of users fast; production keeps scrypt's default.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"


CONFIGS = {"development": DevelopmentConfig, "production": Config, "testing": TestConfig}
