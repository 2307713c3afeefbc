"""Directory sync (SCIM) settings: tokens for the identity provider, the base URL, group -> role mapping."""

from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("directory", __name__)

from app.web.directory import routes  # noqa: E402,F401
