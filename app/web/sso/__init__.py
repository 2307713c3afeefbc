"""Single sign-on in the portal: the flows people sign in through, and the settings admins configure."""

from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("sso", __name__)

from app.web.sso import flows, saml_flow, settings  # noqa: E402,F401
