"""The JSON API, `/api/v1`: one module per feature, named as the portal's web packages are."""

from flask import current_app, request

from app.api.routing import ApiBlueprint

bp = ApiBlueprint("api", __name__, url_prefix="/api/v1")

# JSON bodies are small; uploads (multipart) keep the app-wide limit.
DEFAULT_MAX_JSON_BYTES = 1024 * 1024


def init_app(app) -> None:
    from app.extensions import csrf

    # Bearer keys and tokens, not cookies, authenticate the API: no CSRF to protect against.
    csrf.exempt(bp)


@bp.before_request
def limit_json_bodies() -> None:
    if request.is_json:
        request.max_content_length = current_app.config.get("API_MAX_JSON_BYTES") or DEFAULT_MAX_JSON_BYTES


@bp.after_request
def quota_headers(response):
    from app.api.metering import add_quota_headers

    return add_quota_headers(response)


# Each feature module adds its routes to `bp`.
from app.api import (  # noqa: E402,F401
    api_keys,
    audit,
    auth,
    beta_features,
    billing,
    bulk_invitations,
    documents,
    emails,
    exports,
    features,
    flags,
    invitations,
    me,
    members,
    membership,
    openapi,
    organisations,
    plans,
    platform_users,
    roles,
    scim_groups,
    scim_tokens,
    search,
    sso,
    sso_requirement,
    support_access,
    tenant_lifecycle,
    tenants,
    tier_moves,
    usage,
    webhooks,
)
