"""The settings pages of the portal."""

from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("settings", __name__)

from app.web.settings import beta_features, exports, roles, routes, support_access, webhooks  # noqa: E402,F401
