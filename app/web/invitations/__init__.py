"""The invitations pages of the portal."""

from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("invitations", __name__)

from app.web.invitations import routes  # noqa: E402,F401
