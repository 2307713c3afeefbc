"""The auth pages of the portal."""

from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("auth", __name__)

from app.web.auth import routes  # noqa: E402,F401
