"""The footer's language switcher: works signed out (kept in the session) and signed in (saved to
the person's profile, so it follows them to every device)."""

from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("language", __name__)

from app.web.language import routes  # noqa: E402,F401
