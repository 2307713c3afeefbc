"""JWT access tokens (issued by POST /auth/token). To be completed with the JSON API."""

from __future__ import annotations

from app.services.errors import Unauthorized
from app.tenancy.principal import Principal


def principal_from_jwt(token: str) -> Principal:
    raise Unauthorized("Invalid API key or access token.")
