"""The invitations pages of the portal."""

from flask import Blueprint

bp = Blueprint("invitations", __name__)

from app.web.invitations import routes  # noqa: E402,F401
