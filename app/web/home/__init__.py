"""The home pages of the portal."""

from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("home", __name__)

from app.web.home import routes  # noqa: E402,F401
