"""The multi-tenant SaaS admin portal: `create_app()` builds a configured Flask application."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

from app.config import CONFIGS, INSTANCE_DIR


def create_app(config: str | type | None = None, overrides: dict | None = None) -> Flask:
    """Build the app.

    `config` is a config name ("development", "testing", "production") or class; by default the
    `APP_ENV` environment variable's, else production. `overrides` are applied on top.
    """
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    if config is None:
        config = os.environ.get("APP_ENV", "production")
    app.config.from_object(CONFIGS[config] if isinstance(config, str) else config)
    app.config.update(overrides or {})
    _check_secret(app)
    _bound_request_bodies(app)
    from app.web.request_checks import init_request_checks

    init_request_checks(app)  # before any rule is added: the URL converters bind then
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    register_extensions(app)
    register_request_hooks(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    wrap_wsgi(app)
    return app


# Room in a request for the multipart framing and the other fields beside the largest document.
REQUEST_OVERHEAD_BYTES = 1024 * 1024


def _bound_request_bodies(app: Flask) -> None:
    """A body longer than the largest document (plus framing) is refused with 413 before it is
    read (MAX_CONTENT_LENGTH; a chunked body is cut off as it passes the limit), and a pasted
    document may be as large as an uploaded one (MAX_FORM_MEMORY_SIZE: Flask's 500 kB otherwise)."""
    from app.services.documents import DEFAULT_MAX_BYTES

    document_max = int(app.config.get("DOCUMENT_MAX_BYTES") or DEFAULT_MAX_BYTES)
    if not app.config.get("MAX_CONTENT_LENGTH"):
        app.config["MAX_CONTENT_LENGTH"] = document_max + REQUEST_OVERHEAD_BYTES
    if not app.config.get("MAX_FORM_MEMORY_SIZE") or app.config["MAX_FORM_MEMORY_SIZE"] < document_max:
        app.config["MAX_FORM_MEMORY_SIZE"] = document_max + 64 * 1024


def _check_secret(app: Flask) -> None:
    from app.config import PUBLISHED_SECRETS, instance_secret

    if not app.config.get("SECRET_KEY") and app.config.get("SECRET_KEY_FILE"):
        app.config["SECRET_KEY"] = instance_secret(app.config["SECRET_KEY_FILE"])
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set. Set it in the environment (see .env.example); "
                           "`make run` uses the development config, which generates one into instance/.")
    if app.config["SECRET_KEY"] in PUBLISHED_SECRETS:
        raise RuntimeError("SECRET_KEY is a published example value; anyone could sign sessions and tokens "
                           "with it. Generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))'")


def register_extensions(app: Flask) -> None:
    from sqlalchemy import event

    from app import models  # noqa: F401  (registers the tables)
    from app.extensions import babel, cache, csrf, db, limiter, login_manager, mail, migrate, sqlite_pragmas

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    mail.init_app(app)

    from app.services import access_cache, usage

    access_cache.init_app(app)  # key -> principal, tenant -> status/plan/limits, per process
    usage.init_app(app)  # the API-call meter (database or Redis), chosen once

    from app.web.i18n import select_locale, select_timezone

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)

    from app import jobs

    jobs.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", sqlite_pragmas)


def register_request_hooks(app: Flask) -> None:
    from app.web.auth.sign_in import init_sign_in
    from app.web.security import init_security

    init_security(app)
    init_sign_in(app)


def wrap_wsgi(app: Flask) -> None:
    """The middleware in front of Flask, innermost first: the API's hot path, then ProxyFix, so both
    paths see the client's address."""
    from app.api import hot_path

    hot_path.install(app)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Trust exactly this many hops of X-Forwarded-For/-Proto/-Host: audit IPs and rate limits
        # then see the client, and a client cannot spoof its address past our own load balancer.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def register_blueprints(app: Flask) -> None:
    from app.web import register_blueprints as register_web

    register_web(app)


def register_errorhandlers(app: Flask) -> None:
    from app.web.errors import init_errorhandlers

    init_errorhandlers(app)


def register_template_helpers(app: Flask) -> None:
    from app.web.template_helpers import init_template_helpers

    init_template_helpers(app)


def register_commands(app: Flask) -> None:
    from app.cli import init_commands

    init_commands(app)


logging.getLogger(__name__).addHandler(logging.NullHandler())
