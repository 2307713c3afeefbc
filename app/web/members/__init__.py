"""The members pages of the portal."""

from flask import Blueprint

bp = Blueprint("members", __name__)

from app.web.members import routes  # noqa: E402,F401
