"""The keys pages of the portal."""

from flask import Blueprint

bp = Blueprint("keys", __name__)

from app.web.keys import routes  # noqa: E402,F401
