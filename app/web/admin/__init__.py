"""The platform admin console, `/admin`: fleet overview, tenants, users, audit, impersonation.

Every route here is declared `@bp.platform(...)` except `stop_impersonation` (`@bp.signed_in`),
which the impersonated owner's session (not an admin's) must be able to reach.
"""

from flask import Flask

from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("admin", __name__, url_prefix="/admin")


def init_app(app: Flask) -> None:
    """Register the impersonation time limit and the audit of an impersonation ended by logout."""
    from app.web.admin.impersonation import init_impersonation

    init_impersonation(app)


from app.web.admin import (  # noqa: E402,F401
    audit,
    beta_features,
    billing,
    emails,
    flag_overrides,
    impersonation,
    overview,
    sso,
    support_access,
    tenants,
    tier_move,
    users,
)
