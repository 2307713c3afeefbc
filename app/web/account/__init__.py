"""The account page: one's profile, password, two-factor authentication and sessions."""

from flask import Blueprint

bp = Blueprint("account", __name__)

from app.web.account import routes, two_factor  # noqa: E402,F401
