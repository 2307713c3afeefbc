"""The account page: one's profile, password, two-factor authentication and sessions."""

from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("account", __name__)

from app.web.account import routes, two_factor  # noqa: E402,F401
