"""The dashboard pages of the portal."""

from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("dashboard", __name__)

from app.web.dashboard import routes  # noqa: E402,F401
