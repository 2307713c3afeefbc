"""JSON API: the caller's own account and browser sessions, for a user's access token (not an API key)."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext
from pydantic import Field

from app.api import bp
from app.api.bodies import MaybeMoment, Moment, ResponseBody, schemas
from app.api.openapi import json_response, ref
from app.models import User
from app.services import mfa, sessions, tenants
from app.services.errors import PermissionDenied
from app.services.session_store import SessionRecord
from app.tenancy.principal import current_principal
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


@bp.signed_in("/me")
def get_me():
    user = _own_user()
    memberships = [MeMembership(tenant_id=t.id, slug=t.slug, name=t.name, role=role)
                   for t, role in tenants.tenants_for_user(user)]
    return jsonify(Me(id=user.id, email=user.email, name=user.name, locale=user.locale, timezone=user.timezone,
                      is_platform_admin=user.is_platform_admin, two_factor_enabled=mfa.is_enabled(user),
                      created_at=user.created_at, last_login_at=user.last_login_at,
                      memberships=memberships).model_dump(mode="json"))


@bp.signed_in("/me/sessions")
def get_my_sessions():
    """The caller's live browser sessions, most recently used first."""
    user = _own_user()
    return jsonify({"items": [_session_json(found) for found in sessions.list_sessions(user.id)]})


OPENAPI_COMPONENTS = schemas(MeMembership, Me, MeSession)

_ME_ERRORS = {"401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"}}

OPENAPI_PATHS = {
    "/api/v1/me": {"get": {
        "operationId": "getMe", "tags": ["me"], "summary": "The caller's own account (a user's access token).",
        "responses": {"200": json_response("The account.", ref("Me"), metered=False), **_ME_ERRORS},
    }},
    "/api/v1/me/sessions": {"get": {
        "operationId": "listMySessions", "tags": ["me"], "summary": "The caller's live browser sessions.",
        "responses": {"200": json_response("The sessions, most recently used first.", {
            "type": "object", "required": ["items"],
            "properties": {"items": {"type": "array", "items": ref("MeSession")}}}, metered=False), **_ME_ERRORS},
    }},
}
