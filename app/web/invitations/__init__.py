"""The invitations pages of the portal."""

from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("invitations", __name__)

from app.web.invitations import bulk, routes  # noqa: E402,F401
