"""The members pages of the portal."""

from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("members", __name__)

from app.web.members import routes  # noqa: E402,F401
