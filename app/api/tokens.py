"""JWT access tokens: issued by POST /auth/token, accepted as `Authorization: Bearer <token>`.

The rules a token must pass, in one place:
- signed with HS256 and the portal's own key, and nothing else: the algorithm is pinned, so
  `alg: none` or an RS/HS confusion is refused before any claim is read;
- `exp`, `iat`, `iss`, `aud` and `sub` are required; `iss` and `aud` must be this portal's;
- the user still exists, is not disabled, and has not changed password since (`ver`);
- `tenant_id`, when present, limits the token to that tenant (see `Principal.role_in`).
Any failure is the same 401: a client learns nothing about which check failed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

import jwt
from flask import current_app
from flask_babel import gettext

from app.extensions import db
from app.models import Tenant, User
from app.models.types import utcnow
from app.services.errors import Unauthorized
from app.tenancy.principal import Principal

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


def signing_key() -> str:
    """A key of its own for tokens, derived from SECRET_KEY (or JWT_SECRET_KEY when set).

    Deriving keeps session cookies and access tokens from ever being interchangeable.
    """
    secret = current_app.config.get("JWT_SECRET_KEY") or current_app.config["SECRET_KEY"]
    return hmac.new(secret.encode(), b"api-access-token-v1", hashlib.sha256).hexdigest()


def issue_token(user: User, tenant: Tenant | None = None, *, mfa: bool = False) -> tuple[str, int]:
    """A signed access token for `user` (limited to `tenant` if given) and its lifetime in seconds.
    `mfa`: the request for it passed a second factor (a tenant requiring two-factor checks this)."""
    ttl = int(current_app.config.get("JWT_TTL_SECONDS", 900))
    now = utcnow()
    claims: dict[str, Any] = {
        "iss": current_app.config["JWT_ISSUER"],
        "aud": current_app.config["JWT_AUDIENCE"],
        "sub": str(user.id),
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=ttl),
        "jti": secrets.token_hex(8),
        "ver": user.session_version,
        "tenant_id": tenant.id if tenant is not None else None,
        "mfa": mfa,
    }
    return jwt.encode(claims, signing_key(), algorithm=ALGORITHM), ttl


def decode_token(token: str) -> dict[str, Any]:
    """The claims of a valid token; `Unauthorized` for anything else."""
    if len(token) > 4096:
        raise _invalid()
    try:
        return jwt.decode(
            token,
            signing_key(),
            algorithms=[ALGORITHM],
            audience=current_app.config["JWT_AUDIENCE"],
            issuer=current_app.config["JWT_ISSUER"],
            options={"require": REQUIRED_CLAIMS},
            leeway=5,
        )
    except jwt.PyJWTError:
        raise _invalid() from None


def principal_from_jwt(token: str) -> Principal:
    """The caller a bearer token names, after every rule in the module docstring."""
    claims = decode_token(token)
    try:
        user_id = int(claims["sub"])
    except (TypeError, ValueError):
        raise _invalid() from None
    user = db.session.get(User, user_id)
    if user is None or user.is_disabled or claims.get("ver") != user.session_version:
        raise _invalid()
    tenant_id = claims.get("tenant_id")
    if tenant_id is not None and not isinstance(tenant_id, str):
        raise _invalid()
    return Principal(user=user, via="jwt", jwt_tenant_id=tenant_id, mfa=claims.get("mfa") is True)


def _invalid() -> Unauthorized:
    return Unauthorized(gettext("Invalid API key or access token."), code="invalid_token")
