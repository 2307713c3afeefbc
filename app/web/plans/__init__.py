"""The plans pages of the portal."""

from flask import Blueprint

bp = Blueprint("plans", __name__)

from app.web.plans import routes  # noqa: E402,F401
