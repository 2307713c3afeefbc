"""The audit pages of the portal."""

from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("audit", __name__)

from app.web.audit import routes  # noqa: E402,F401
