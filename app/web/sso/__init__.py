"""Single sign-on in the portal: the flows people sign in through, and the settings admins configure."""

from flask import Blueprint

bp = Blueprint("sso", __name__)

from app.web.sso import flows, saml_flow, settings  # noqa: E402,F401
