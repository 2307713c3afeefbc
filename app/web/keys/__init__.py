"""The keys pages of the portal."""

from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("keys", __name__)

from app.web.keys import routes  # noqa: E402,F401
