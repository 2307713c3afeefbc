"""JSON API: the caller's own account and browser sessions, for a user's access token (not an API key).

The Account page's actions too: the profile (`PATCH /me`) and the password (`POST /me/password`),
through the same services (`accounts.update_profile`, `accounts.change_password`).
"""

from __future__ import annotations

from typing import Literal

from flask import jsonify
from flask_babel import gettext
from pydantic import Field

from app.api import bp
from app.api.auth import Token, token_limit
from app.api.bodies import MaybeMoment, Moment, RequestBody, ResponseBody, read_body, schemas, text
from app.api.openapi import NO_NUL, json_request, json_response, ref
from app.api.tokens import issue_token
from app.extensions import db, limiter
from app.models import Tenant, User
from app.services import accounts, mfa, sessions, tenants
from app.services.errors import PermissionDenied, TenantNotFound
from app.services.languages import SUPPORTED_LOCALES
from app.services.session_store import SessionRecord
from app.tenancy.principal import current_authority, current_principal
from app.web.devices import describe_device


class MeMembership(ResponseBody):
    tenant_id: str
    slug: str
    name: str
    role: str


class Me(ResponseBody):
    id: int
    email: str
    name: str
    locale: str | None
    timezone: str | None
    is_platform_admin: bool
    two_factor_enabled: bool
    created_at: Moment
    last_login_at: MaybeMoment
    memberships: list[MeMembership] = Field(description="The tenants the account belongs to.")


class ProfileUpdate(RequestBody):
    """The Account page's profile. A field left out is unchanged; `locale` or `timezone` null: follow
    the organisation's."""

    name: text(accounts.NAME_MAX_LENGTH, blank=False) = None
    locale: Literal[tuple(SUPPORTED_LOCALES)] | None = Field(None, description="null: the organisation's language.")
    timezone: text(accounts.TIMEZONE_MAX_LENGTH) | None = Field(
        None, description="An IANA time zone name (Europe/Berlin); null: the organisation's.")


class PasswordChange(RequestBody):
    current_password: text(accounts.PASSWORD_MAX_LENGTH, blank=False)
    password: text(accounts.PASSWORD_MAX_LENGTH, blank=False) = Field(
        description="The new password, under the same policy as sign-up.")


class MeSession(ResponseBody):
    id: str = Field(description="The session's public id (not its cookie).")
    device: str = Field(description="The browser, as a person reads it: 'Firefox on Linux'.")
    user_agent: str
    ip: str | None
    method: str = Field(description="How it signed in: password, sso, ...")
    mfa: bool
    created_at: Moment
    last_seen_at: Moment
    expires_at: Moment


def _own_user() -> User:
    principal = current_principal()
    if principal.user is None:
        raise PermissionDenied(gettext("This answers for a person's own access token; an API key is not a person."),
                               code="user_token_required")
    return principal.user


def _session_json(found: SessionRecord) -> dict:
    return MeSession(id=found.id, device=describe_device(found.user_agent), user_agent=found.user_agent or "",
                     ip=found.ip, method=found.method, mfa=found.mfa, created_at=found.created_at,
                     last_seen_at=found.last_seen_at, expires_at=found.expires_at).model_dump(mode="json")


def _me_json(user: User) -> dict:
    memberships = [MeMembership(tenant_id=t.id, slug=t.slug, name=t.name, role=role)
                   for t, role in tenants.tenants_for_user(user)]
    return Me(id=user.id, email=user.email, name=user.name, locale=user.locale, timezone=user.timezone,
              is_platform_admin=user.is_platform_admin, two_factor_enabled=mfa.is_enabled(user),
              created_at=user.created_at, last_login_at=user.last_login_at,
              memberships=memberships).model_dump(mode="json")


@bp.signed_in("/me")
def get_me():
    return jsonify(_me_json(_own_user()))


@bp.signed_in("/me", methods=["PATCH"])
def update_me():
    """Name, language and time zone, as on the Account page; every invalid field at once (422)."""
    user = _own_user()
    body = read_body(ProfileUpdate)
    sent = body.model_fields_set
    accounts.update_profile(user, current_authority(),
                            name=body.name if "name" in sent else user.name,
                            locale=body.locale if "locale" in sent else user.locale,
                            timezone=body.timezone if "timezone" in sent else user.timezone)
    return jsonify(_me_json(user))


@bp.signed_in("/me/password", methods=["POST"])
@limiter.limit(token_limit)
def change_my_password():
    """Prove the current password and set a new one. Every browser session ends and every earlier
    access token (this one included) stops working, so the answer carries a fresh token, limited
    to the same tenant as the one that asked."""
    user = _own_user()
    body = read_body(PasswordChange)
    principal = current_principal()
    tenant = None
    if principal.jwt_tenant_id is not None:
        tenant = db.session.get(Tenant, principal.jwt_tenant_id)
        if tenant is None:  # never widen a tenant token into one for every tenant
            raise TenantNotFound(gettext("Tenant not found."))
    accounts.change_password(user, body.current_password, body.password, current_authority())
    token, ttl = issue_token(user, tenant, mfa=principal.mfa)
    return jsonify(Token(access_token=token, expires_in=ttl, tenant_id=tenant.id if tenant else None)
                   .model_dump(mode="json"))


@bp.signed_in("/me/sessions")
def get_my_sessions():
    """The caller's live browser sessions, most recently used first."""
    user = _own_user()
    return jsonify({"items": [_session_json(found) for found in sessions.list_sessions(user.id)]})


@bp.signed_in("/me/sessions", methods=["DELETE"])
def end_my_sessions():
    """Sign every browser session out (a lost laptop); access tokens are not sessions and keep working."""
    user = _own_user()
    # A token is not a browser session, so there is no "current" one to keep.
    return jsonify({"ended": sessions.end_other_sessions(user, None, current_authority())})


@bp.signed_in("/me/sessions/<session_id>", methods=["DELETE"])
def end_my_session(session_id: str):
    """Sign one browser session out; another person's session id is simply not found."""
    user = _own_user()
    return jsonify(_session_json(sessions.end_session(user, session_id, current_authority())))


OPENAPI_COMPONENTS = schemas(MeMembership, Me, MeSession, ProfileUpdate, PasswordChange)

_ME_ERRORS = {"401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"}}

_BODY_ERRORS = {"400": {"$ref": "#/components/responses/BadRequest"},
                "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                "422": {"$ref": "#/components/responses/Validation"}}

OPENAPI_PATHS = {
    "/api/v1/me": {
        "get": {
            "operationId": "getMe", "tags": ["me"], "summary": "The caller's own account (a user's access token).",
            "responses": {"200": json_response("The account.", ref("Me"), metered=False), **_ME_ERRORS},
        },
        "patch": {
            "operationId": "updateMe", "tags": ["me"],
            "summary": "Change your name, language or time zone (a user's access token).",
            # The time zone is judged against the IANA database, which the schema does not list.
            "x-content-checked": True,
            "requestBody": json_request(ref("ProfileUpdate"), example={"name": "Ada Lovelace", "locale": "zh",
                                                                      "timezone": "Asia/Shanghai"}),
            "responses": {"200": json_response("The account.", ref("Me"), metered=False), **_ME_ERRORS,
                          **_BODY_ERRORS},
        },
    },
    "/api/v1/me/password": {"post": {
        "operationId": "changeMyPassword", "tags": ["me"],
        "summary": "Change your password (a user's access token); the answer is a fresh token.",
        "description": "Every browser session ends and every earlier access token stops working, the one "
                       "used for this call included; use the token in the answer from now on. A wrong "
                       "`current_password` is 422 `wrong_password`; attempts are rate-limited like "
                       "POST /auth/token.",
        # A well-formed body still has to prove the current password and meet the password policy.
        "x-content-checked": True,
        "requestBody": json_request(ref("PasswordChange"), example={
            "current_password": "the one you use now", "password": "a new long passphrase"}),
        "responses": {"200": json_response("A fresh access token.", ref("Token"), metered=False), **_ME_ERRORS,
                      **_BODY_ERRORS, "404": {"$ref": "#/components/responses/NotFound"},
                      "429": {"$ref": "#/components/responses/RateLimited"}},
    }},
    "/api/v1/me/sessions": {
        "get": {
            "operationId": "listMySessions", "tags": ["me"], "summary": "The caller's live browser sessions.",
            "responses": {"200": json_response("The sessions, most recently used first.", {
                "type": "object", "required": ["items"],
                "properties": {"items": {"type": "array", "items": ref("MeSession")}}}, metered=False), **_ME_ERRORS},
        },
        "delete": {
            "operationId": "endMySessions", "tags": ["me"],
            "summary": "Sign out every browser session (a user's access token; tokens keep working).",
            "responses": {"200": json_response("How many sessions ended.", {
                "type": "object", "required": ["ended"], "properties": {"ended": {"type": "integer", "minimum": 0}}},
                metered=False), **_ME_ERRORS},
        },
    },
    "/api/v1/me/sessions/{session_id}": {"delete": {
        "operationId": "endMySession", "tags": ["me"], "summary": "Sign out one of your browser sessions.",
        "parameters": [{"name": "session_id", "in": "path", "required": True,
                        "schema": {"type": "string", "maxLength": 64, "pattern": NO_NUL}}],
        "responses": {"200": json_response("The session, now ended.", ref("MeSession"), metered=False), **_ME_ERRORS,
                      "404": {"$ref": "#/components/responses/NotFound"}},
    }},
}

OPENAPI_LINKS = [("listMySessions", "200", {"session_id": "$response.body#/items/0/id"}, ("endMySession",))]
