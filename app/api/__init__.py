"""The JSON API, `/api/v1`: one module per feature, named as the portal's web packages are."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app) -> None:
    from app.extensions import csrf

    # Bearer keys and tokens, not cookies, authenticate the API: no CSRF to protect against.
    csrf.exempt(bp)


# Each feature module adds its routes to `bp`.
from app.api import (  # noqa: E402,F401
    api_keys,
    audit,
    auth,
    documents,
    invitations,
    members,
    openapi,
    plans,
    search,
    tenants,
    usage,
)
