"""The home pages of the portal."""

from flask import Blueprint

bp = Blueprint("home", __name__)

from app.web.home import routes  # noqa: E402,F401
