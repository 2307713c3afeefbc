"""The audit pages of the portal."""

from flask import Blueprint

bp = Blueprint("audit", __name__)

from app.web.audit import routes  # noqa: E402,F401
