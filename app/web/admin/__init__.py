"""The platform admin console, `/admin`: fleet overview, tenants, users, audit, impersonation.

Every route here is `@login_required` + `@platform_required` except `stop_impersonation`, which
the impersonated owner's session (not an admin's) must be able to reach.
"""

from flask import Blueprint, Flask

bp = Blueprint("admin", __name__, url_prefix="/admin")


def init_app(app: Flask) -> None:
    """Register the impersonation time limit and the audit of an impersonation ended by logout."""
    from app.web.admin.impersonation import init_impersonation

    init_impersonation(app)


from app.web.admin import audit, emails, impersonation, overview, sso, tenants, users  # noqa: E402,F401
