"""Users across the whole fleet: search, memberships, disabling, and the platform-admin grant."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import func, or_, select

from app.extensions import db
from app.models import Tenant, TenantUser, User
from app.services import sessions
from app.services.accounts import count_platform_admins
from app.services.audit import Actor, record
from app.services.errors import Conflict, PermissionDenied
from app.services.pagination import Page, paginate
from app.services.transaction import unit_of_work


@dataclass(frozen=True)
class Membership:
    tenant_id: str
    tenant_name: str
    tenant_slug: str
    tenant_status: str
    role: str
    status: str


class LastPlatformAdmin(Conflict):
    code = "last_platform_admin"


def search_users(q: str = "", *, admins_only: bool = False, page: int = 1, per_page: int = 25) -> Page[User]:
    """Users whose email or name contains `q`, newest first (one count and one page query)."""
    stmt = select(User)
    needle = (q or "").strip().lower()
    if needle:
        stmt = stmt.where(or_(User.email.contains(needle, autoescape=True),
                              func.lower(User.name).contains(needle, autoescape=True)))
    if admins_only:
        stmt = stmt.where(User.is_platform_admin.is_(True))
    return paginate(stmt.order_by(User.created_at.desc(), User.id.desc()), page, per_page)


def memberships_of(user_ids: list[int]) -> dict[int, list[Membership]]:
    """Each user's tenants and roles, for a page of users in one query (not one per user)."""
    found: dict[int, list[Membership]] = {uid: [] for uid in user_ids}
    if not user_ids:
        return found
    rows = db.session.execute(
        select(TenantUser.user_id, Tenant.id, Tenant.name, Tenant.slug, Tenant.status, TenantUser.role,
               TenantUser.status)
        .join(Tenant, Tenant.id == TenantUser.tenant_id)
        .where(TenantUser.user_id.in_(user_ids))
        .order_by(func.lower(Tenant.name))
    ).all()
    for user_id, *fields in rows:
        found[user_id].append(Membership(*fields))
    return found


def _lock_admins() -> None:
    """Serialise changes to the set of admins, so two admins demoting each other can't both win."""
    db.session.execute(select(User.id).where(User.is_platform_admin.is_(True)).with_for_update())


def _refuse_removing_last_admin(user: User) -> None:
    if user.is_platform_admin and not user.is_disabled and count_platform_admins() <= 1:
        raise LastPlatformAdmin("This is the last platform admin; grant another user admin first.",
                                field="user")


def disable_user(user: User, actor: Actor) -> User:
    """Stop a user from signing in anywhere; their sessions and access tokens end at once."""
    if actor.user_id == user.id:
        raise PermissionDenied(gettext("You cannot disable your own account."), field="user")
    if user.is_disabled:
        return user
    with unit_of_work():
        _lock_admins()
        _refuse_removing_last_admin(user)
        user.is_disabled = True
        # Access tokens carry the version, so bumping it stops them; sessions end server-side.
        user.session_version = (user.session_version or 1) + 1
        sessions.end_all(user.id)
        record("user.disabled", actor, target_type="user", target_id=user.id, details={"email": user.email})
    return user


def enable_user(user: User, actor: Actor) -> User:
    """Let a disabled user sign in again."""
    if not user.is_disabled:
        return user
    with unit_of_work():
        user.is_disabled = False
        record("user.enabled", actor, target_type="user", target_id=user.id, details={"email": user.email})
    return user


def grant_platform_admin(user: User, actor: Actor) -> User:
    """Make `user` a platform admin."""
    if user.is_platform_admin:
        return user
    if user.is_disabled:
        raise Conflict(gettext("Enable the account before making it a platform admin."), field="user")
    with unit_of_work():
        user.is_platform_admin = True
        record("platform.admin_granted", actor, target_type="user", target_id=user.id,
               details={"email": user.email})
    return user


def revoke_platform_admin(user: User, actor: Actor) -> User:
    """Take platform admin away from `user`; never from the last active one."""
    if not user.is_platform_admin:
        return user
    with unit_of_work():
        _lock_admins()
        _refuse_removing_last_admin(user)
        user.is_platform_admin = False
        record("platform.admin_revoked", actor, target_type="user", target_id=user.id,
               details={"email": user.email})
    return user
