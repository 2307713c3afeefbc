"""JSON API: POST /auth/token exchanges an email and password for a short-lived access token."""

from __future__ import annotations

from flask import current_app, jsonify, request

from app.api import bp
from app.api.openapi import json_request, json_response, nullable, text
from app.api.payload import json_body, string_field
from app.api.tokens import issue_token
from app.extensions import limiter
from app.services import accounts, mfa, tenants
from app.services.audit import Actor
from app.services.errors import InvalidCode, PermissionDenied, TenantNotFound, Unauthorized


def _token_limit() -> str:
    return current_app.config.get("API_TOKEN_RATE_LIMIT", "10 per minute")


@bp.public("/auth/token", methods=["POST"])
@limiter.limit(_token_limit)
def issue_access_token():
    """Email and password (and `otp`, a current two-factor or recovery code, for accounts with two-factor
    on) -> a bearer token; with `tenant` (id or slug) the token acts in that tenant only, with the holder's role there (a
    platform admin's tenant token has no platform powers)."""
    data = json_body(allowed={"email", "password", "tenant", "otp"}, required={"email", "password"})
    user = accounts.authenticate(string_field(data, "email", max_length=254),
                                 string_field(data, "password", max_length=1000))
    if user is None:
        raise Unauthorized("Wrong email or password.", code="invalid_credentials")
    otp = string_field(data, "otp", max_length=64)
    second_factor = mfa.is_enabled(user)
    if second_factor:
        if not otp:
            raise Unauthorized("This account uses two-factor authentication: send the current code as `otp`.",
                               code="otp_required", field="otp")
        try:
            mfa.verify(user, otp, Actor.for_user(user, ip=request.remote_addr))
        except InvalidCode as exc:
            raise Unauthorized(exc.message, code="invalid_otp", field="otp") from None
    tenant = None
    tenant_ref = string_field(data, "tenant", max_length=100)
    if tenant_ref:
        tenant = tenants.find_tenant(tenant_ref)
        if tenant is not None and tenants.role_of(tenant.id, user.id) is None and user.is_platform_admin:
            # A tenant token carries the holder's role in that tenant and nothing more (no platform
            # powers), so for a platform admin who is not a member it would carry nothing.
            raise PermissionDenied("A token limited to a tenant carries your role there, and you are not a "
                                   "member of it. Ask for a token without `tenant` for platform work.",
                                   field="tenant", code="not_a_member")
        # A tenant one does not belong to looks exactly like one that does not exist.
        if tenant is None or tenants.role_of(tenant.id, user.id) is None:
            raise TenantNotFound("Tenant not found.", field="tenant")
    token, ttl = issue_token(user, tenant, mfa=second_factor)
    return jsonify({"access_token": token, "token_type": "Bearer", "expires_in": ttl,
                    "tenant_id": tenant.id if tenant else None})


OPENAPI_COMPONENTS = {
    "TokenRequest": {
        "type": "object", "required": ["email", "password"], "additionalProperties": False,
        "properties": {"email": text(254, blank=False), "password": text(1000, blank=False),
                       "tenant": nullable(text(100, description="Limit the token to this tenant (id or slug).")),
                       "otp": nullable(text(64, description="A current two-factor code (or a recovery code); "
                                                            "required for accounts with two-factor on."))},
    },
    "Token": {
        "type": "object", "required": ["access_token", "token_type", "expires_in", "tenant_id"],
        "properties": {"access_token": {"type": "string"}, "token_type": {"const": "Bearer"},
                       "expires_in": {"type": "integer"}, "tenant_id": nullable({"type": "string"})},
    },
}

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
