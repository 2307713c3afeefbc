"""The settings pages of the portal."""

from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("settings", __name__)

from app.web.settings import routes  # noqa: E402,F401
