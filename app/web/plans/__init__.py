"""The plans pages of the portal."""

from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("plans", __name__)

from app.web.plans import routes  # noqa: E402,F401
