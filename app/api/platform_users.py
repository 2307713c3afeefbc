"""JSON API, platform admins: people across every tenant (mirrors `/admin/users`).

List and search them; disable and enable an account; grant and revoke platform admin; reset a
lost second factor. The same services as the console, so the same guards hold: no one disables
themselves, and the last platform admin cannot be disabled or demoted (409 `last_platform_admin`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import jsonify
from flask_babel import gettext

from app.api import bp
from app.api.bodies import MaybeMoment, Moment, ResponseBody, schemas
from app.api.openapi import json_response, list_schema, ref, text
from app.api.params import page_body, paging_args, path_int, query_choice, query_text
from app.models import MembershipStatus, Role, User
from app.services import accounts, mfa, platform_users
from app.services.errors import Conflict, NotFound, ValidationError
from app.tenancy.principal import current_authority

SEARCH_MAX_LENGTH = 100


class UserMembership(ResponseBody):
    tenant_id: str
    tenant_slug: str
    tenant_name: str
    role: Role
    status: MembershipStatus


class PlatformUser(ResponseBody):
    id: int
    email: str
    name: str
    is_platform_admin: bool
    is_disabled: bool
    two_factor: bool
    created_at: Moment
    last_login_at: MaybeMoment
    memberships: list[UserMembership]


def _users_json(users: list[User]) -> dict[int, dict[str, Any]]:
    ids = [u.id for u in users]
    memberships, two_factor = platform_users.memberships_of(ids), mfa.users_with_two_factor(ids)
    return {user.id: PlatformUser(
        id=user.id, email=user.email, name=user.name, is_platform_admin=user.is_platform_admin,
        is_disabled=user.is_disabled, two_factor=user.id in two_factor, created_at=user.created_at,
        last_login_at=user.last_login_at,
        memberships=[UserMembership(tenant_id=m.tenant_id, tenant_slug=m.tenant_slug, tenant_name=m.tenant_name,
                                    role=m.role, status=m.status) for m in memberships.get(user.id, [])],
    ).model_dump(mode="json") for user in users}


def user_json(user: User) -> dict[str, Any]:
    return _users_json([user])[user.id]


@bp.platform("/users")
def list_users():
    """Newest first; `q` searches email and name, `admins=true` keeps platform admins only."""
    page, per_page = paging_args()
    q = query_text("q", SEARCH_MAX_LENGTH) or ""
    admins = query_choice("admins", ("true", "false")) == "true"
    found = platform_users.search_users(q, admins_only=admins, page=page, per_page=per_page)
    rendered = _users_json(list(found.items))
    return jsonify(page_body(found, lambda user: rendered[user.id]))


def _user(user_id: str) -> User:
    return accounts.get_user(path_int(user_id, NotFound(gettext("User not found."), code="user_not_found")))


def _act(user_id: str, service: Callable[[User, Any], Any]):
    user = _user(user_id)
    service(user, current_authority())
    return jsonify(user_json(user))


@bp.platform("/users/<user_id>/disable", methods=["POST"])
def disable_user(user_id: str):
    """Stop the account signing in anywhere; its sessions and access tokens end at once."""
    return _act(user_id, platform_users.disable_user)


@bp.platform("/users/<user_id>/enable", methods=["POST"])
def enable_user(user_id: str):
    return _act(user_id, platform_users.enable_user)


@bp.platform("/users/<user_id>/grant-platform-admin", methods=["POST"])
def grant_platform_admin(user_id: str):
    return _act(user_id, platform_users.grant_platform_admin)


@bp.platform("/users/<user_id>/revoke-platform-admin", methods=["POST"])
def revoke_platform_admin(user_id: str):
    return _act(user_id, platform_users.revoke_platform_admin)


@bp.platform("/users/<user_id>/reset-two-factor", methods=["POST"])
def reset_two_factor(user_id: str):
    """Remove a lost second factor; the user is told by email. A user without one: 409."""
    try:
        return _act(user_id, mfa.admin_reset)
    except ValidationError as exc:
        if exc.field != "user":
            raise
        # The account's state, not the request, is what is wrong: a conflict, as for invitations.
        raise Conflict(exc.message, field="user", code="two_factor_not_enabled") from None


OPENAPI_COMPONENTS = schemas(PlatformUser)

_USER_ID = {"name": "user_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}}
_ERRORS = {"400": {"$ref": "#/components/responses/BadRequest"},
           "401": {"$ref": "#/components/responses/Unauthorized"},
           "403": {"$ref": "#/components/responses/Forbidden"},
           "404": {"$ref": "#/components/responses/NotFound"}}


def _action(operation_id: str, summary: str) -> dict[str, Any]:
    return {"post": {
        "operationId": operation_id, "tags": ["platform-users"], "summary": summary, "parameters": [_USER_ID],
        "responses": {"200": json_response("The user.", ref("PlatformUser"), metered=False), **_ERRORS,
                      "409": {"$ref": "#/components/responses/Conflict"}},
    }}


OPENAPI_PATHS = {
    "/api/v1/users": {"get": {
        "operationId": "listPlatformUsers", "tags": ["platform-users"],
        "summary": "Every user, newest first, with their memberships (platform admins).",
        "parameters": [{"$ref": "#/components/parameters/Page"}, {"$ref": "#/components/parameters/PerPage"},
                       {"name": "q", "in": "query", "schema": text(SEARCH_MAX_LENGTH),
                        "description": "Search in email and name."},
                       {"name": "admins", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]},
                        "description": "`true`: platform admins only."}],
        "responses": {"200": json_response("One page of users.", list_schema(ref("PlatformUser")), metered=False),
                      **_ERRORS, "422": {"$ref": "#/components/responses/Validation"}},
    }},
    "/api/v1/users/{user_id}/disable": _action("disableUser", "Disable an account (platform admins)."),
    "/api/v1/users/{user_id}/enable": _action("enableUser", "Enable a disabled account (platform admins)."),
    "/api/v1/users/{user_id}/grant-platform-admin": _action("grantPlatformAdmin", "Make a user a platform admin."),
    "/api/v1/users/{user_id}/revoke-platform-admin": _action("revokePlatformAdmin",
                                                             "Take platform admin away (never the last one)."),
    "/api/v1/users/{user_id}/reset-two-factor": _action("resetTwoFactor",
                                                        "Remove a user's second factor; they are told by email."),
}
