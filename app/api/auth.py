"""JSON API: POST /auth/token exchanges an email and password for a short-lived access token."""

from __future__ import annotations

from typing import Literal

from flask import current_app, jsonify, request
from flask_babel import gettext
from pydantic import Field

from app.api import bp
from app.api.bodies import RequestBody, ResponseBody, read_body, schemas, text
from app.api.openapi import json_request, json_response
from app.api.tokens import issue_token
from app.extensions import limiter
from app.services import accounts, mfa, tenants
from app.services.audit import Actor
from app.services.errors import InvalidCode, PermissionDenied, TenantNotFound, Unauthorized

OTP_MAX_LENGTH = 64
TENANT_REF_MAX_LENGTH = 100


class TokenRequest(RequestBody):
    email: text(accounts.EMAIL_MAX_LENGTH, blank=False)
    password: text(accounts.PASSWORD_MAX_LENGTH, blank=False)
    tenant: text(TENANT_REF_MAX_LENGTH) | None = Field(None, description="Limit the token to this tenant (id or slug).")
    otp: text(OTP_MAX_LENGTH) | None = Field(None, description="A current two-factor code (or a recovery code); "
                                                                "required for accounts with two-factor on.")


class Token(ResponseBody):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    tenant_id: str | None


def token_limit() -> str:
    return current_app.config.get("API_TOKEN_RATE_LIMIT", "10 per minute")


@bp.public("/auth/token", methods=["POST"])
@limiter.limit(token_limit)
def issue_access_token():
    """Email and password (and `otp`, a current two-factor or recovery code, for accounts with two-factor
    on) -> a bearer token; with `tenant` (id or slug) the token acts in that tenant only, with the holder's role there (a
    platform admin's tenant token has no platform powers)."""
    body = read_body(TokenRequest)
    user = accounts.authenticate(body.email, body.password)
    if user is None:
        raise Unauthorized(gettext("Wrong email or password."), code="invalid_credentials")
    otp = body.otp
    second_factor = mfa.is_enabled(user)
    if second_factor:
        if not otp:
            raise Unauthorized(gettext("This account uses two-factor authentication: send the current code as `otp`."),
                               code="otp_required", field="otp")
        try:
            mfa.verify(user, otp, Actor.for_user(user, ip=request.remote_addr))
        except InvalidCode as exc:
            raise Unauthorized(exc.message, code="invalid_otp", field="otp") from None
    tenant = None
    tenant_ref = body.tenant
    if tenant_ref:
        tenant = tenants.find_tenant(tenant_ref)
        if tenant is not None and tenants.role_of(tenant.id, user.id) is None and user.is_platform_admin:
            # A tenant token carries the holder's role in that tenant and nothing more (no platform
            # powers), so for a platform admin who is not a member it would carry nothing.
            raise PermissionDenied(gettext("A token limited to a tenant carries your role there, and you are not a member of it. Ask for a token without `tenant` for platform work."),
                                   field="tenant", code="not_a_member")
        # A tenant one does not belong to looks exactly like one that does not exist.
        if tenant is None or tenants.role_of(tenant.id, user.id) is None:
            raise TenantNotFound(gettext("Tenant not found."), field="tenant")
    token, ttl = issue_token(user, tenant, mfa=second_factor)
    return jsonify(Token(access_token=token, expires_in=ttl, tenant_id=tenant.id if tenant else None)
                   .model_dump(mode="json"))


OPENAPI_COMPONENTS = schemas(TokenRequest, Token)

OPENAPI_PATHS = {
    "/api/v1/auth/token": {"post": {
        "operationId": "issueToken", "tags": ["auth"], "summary": "Exchange email and password for an access token.",
        "security": [],
        "requestBody": json_request({"$ref": "#/components/schemas/TokenRequest"}),
        "responses": {
            "200": json_response("A short-lived HS256 JWT (iss, aud, exp, sub, tenant_id, mfa).",
                                 {"$ref": "#/components/schemas/Token"}, metered=False),
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "403": {"$ref": "#/components/responses/Forbidden"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "413": {"$ref": "#/components/responses/PayloadTooLarge"},
            "422": {"$ref": "#/components/responses/Validation"},
            "429": {"$ref": "#/components/responses/RateLimited"},
        },
    }},
}
