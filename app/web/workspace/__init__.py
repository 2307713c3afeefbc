"""The workspace pages of the portal."""

from flask import Blueprint

bp = Blueprint("workspace", __name__)

from app.web.workspace import routes  # noqa: E402,F401
