""""Require SSO": a tenant's members sign in through its identity provider, not with a password.

Password sign-in and password reset refuse a member of any tenant that requires SSO (the session a
password gives would reach that tenant too). Break-glass, for owners whose IdP is down: a one-time
recovery code, shown once when the requirement is switched on, accepted beside the password and
then spent; or a platform admin lifts the requirement (`flask sso lift-requirement`). Both are audited.
Platform admins are never locked out: they are the help desk.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask_babel import gettext
from sqlalchemy import select

from app.extensions import db
from app.models import Tenant, TenantConfig, TenantUser, User
from app.models.enums import Role
from app.services import entitlements
from app.services.audit import Actor, record, record_now
from app.services.authority import Authority, at_least
from app.services.errors import PermissionDenied, SsoRequired, ValidationError
from app.services.sso.connections import usable_connections
from app.services.transaction import unit_of_work

RECOVERY_CODE_BYTES = 15
BREAK_GLASS_REASON_MAX_LENGTH = 500  # what the audit event keeps


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().replace("-", "").lower().encode()).hexdigest()


def _new_code() -> str:
    raw = secrets.token_hex(RECOVERY_CODE_BYTES)
    return "-".join(raw[i:i + 6] for i in range(0, len(raw), 6))


def tenants_requiring_sso(user: User) -> list[Tenant]:
    """The tenants `user` is an active member of that require single sign-on."""
    return list(db.session.scalars(
        select(Tenant).join(TenantUser, TenantUser.tenant_id == Tenant.id)
        .join(TenantConfig, TenantConfig.tenant_id == Tenant.id)
        .where(TenantUser.user_id == user.id, TenantUser.status == "active", TenantConfig.require_sso.is_(True),
               Tenant.status != "deleted")
        .order_by(Tenant.name)).unique())


def _refusal(user: User, tenant: Tenant, what: str) -> SsoRequired:
    names = ", ".join(c.name for c in usable_connections(tenant)) or gettext("your identity provider")
    return SsoRequired(gettext("%(tenant)s requires single sign-on: %(what)s with %(names)s instead.", tenant=tenant.name, what=what, names=names),
                       field="email", details={"tenant": tenant.slug})


def check_password_sign_in(user: User, recovery_code: str | None = None, ip: str | None = None) -> None:
    """Raise `SsoRequired` if a password must not sign `user` in; a valid owner's recovery code passes once."""
    if user.is_platform_admin:
        return
    requiring = tenants_requiring_sso(user)
    if not requiring:
        return
    code = (recovery_code or "").strip()
    if code:
        for tenant in requiring:
            stored = tenant.config.sso_recovery_code_hash
            role = db.session.scalar(select(TenantUser.role).where(TenantUser.tenant_id == tenant.id,
                                                                   TenantUser.user_id == user.id))
            if role == "owner" and stored and hmac.compare_digest(stored, _hash(code)):
                with unit_of_work():
                    tenant.config.sso_recovery_code_hash = None
                    record("security.sso_break_glass", Actor.for_user(user, ip=ip), tenant_id=tenant.id,
                           target_type="tenant", target_id=tenant.id,
                           details={"how": "recovery_code", "note": "the code is spent; create a new one"})
                if len(requiring) == 1:
                    return
                requiring = [t for t in requiring if t.id != tenant.id]
                break
        else:
            record_now("security.sso_recovery_code_rejected", Actor.for_user(user, ip=ip),
                       tenant_id=requiring[0].id, target_type="user", target_id=user.id)
            raise ValidationError(gettext("That recovery code is not valid (each code works once)."), field="recovery_code",
                                  code="recovery_code_invalid")
    record_now("security.password_sign_in_refused_sso_required", Actor.for_user(user, ip=ip),
               tenant_id=requiring[0].id, target_type="user", target_id=user.id)
    raise _refusal(user, requiring[0], gettext("sign in"))


def check_password_reset(user: User) -> None:
    """Raise `SsoRequired` if `user` must not reset a password (their IdP owns the credential)."""
    if user.is_platform_admin:
        return
    requiring = tenants_requiring_sso(user)
    if requiring:
        raise _refusal(user, requiring[0], gettext("reset your password"))


def set_require_sso(tenant: Tenant, enabled: bool, authority: Authority) -> str | None:
    """Switch "Require SSO" on or off (owners). Switching it on returns a new recovery code, shown once."""
    if not at_least(authority, tenant, Role.OWNER):
        raise PermissionDenied(gettext("Only an owner can change whether single sign-on is required."), field="require_sso")
    if enabled:
        entitlements.require_feature(tenant, "sso")
    if enabled and not usable_connections(tenant):
        raise ValidationError(gettext("Add and switch on a connection first: with SSO required and no connection, nobody could sign in."), field="require_sso", code="sso_no_connection")
    code = _new_code() if enabled else None
    with unit_of_work():
        tenant.config.require_sso = bool(enabled)
        tenant.config.sso_recovery_code_hash = _hash(code) if code else None
        record("sso.require_changed", authority, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
               details={"require_sso": bool(enabled)})
    return code


def new_recovery_code(tenant: Tenant, authority: Authority) -> str:
    """Replace the owners' recovery code (the old one stops working); returns it, shown once."""
    if not at_least(authority, tenant, Role.OWNER):
        raise PermissionDenied(gettext("Only an owner can create a recovery code."))
    if not tenant.config.require_sso:
        raise ValidationError(gettext("Recovery codes are for when single sign-on is required."), code="sso_not_required")
    code = _new_code()
    with unit_of_work():
        tenant.config.sso_recovery_code_hash = _hash(code)
        record("sso.recovery_code_created", authority, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id)
    return code


def lift_requirement(tenant: Tenant, actor: Actor, reason: str) -> None:
    """A platform admin's break-glass: password sign-in works again for the tenant's members."""
    if not actor.is_platform_admin:
        raise PermissionDenied(gettext("This needs a platform administrator."))
    if not (reason or "").strip():
        raise ValidationError(gettext("Say why (it goes into the audit trail)."), field="reason")
    with unit_of_work():
        tenant.config.require_sso = False
        tenant.config.sso_recovery_code_hash = None
        record("security.sso_break_glass", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
               details={"how": "platform_admin", "reason": reason.strip()[:BREAK_GLASS_REASON_MAX_LENGTH]})
