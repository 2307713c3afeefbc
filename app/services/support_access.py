"""Support access approved by the customer (issue 17): a platform admin asks, an owner answers.

The life of a grant: an admin requests access with a reason, a duration (at most 24 h) and a level
(read-only or full); the tenant's owners are emailed (the `emails.send` job) and see the request in
the portal; an owner approves (the clock starts then) or denies. Owners may also grant standing
access without being asked, and revoke any grant at once. In an emergency an admin takes
break-glass access: approved on the spot, owners told at once, flagged on the admin overview.

Using a grant is viewing the portal as the owner (`services.impersonation`), so every action is
audited with the owner as actor and the admin as `impersonator_user_id`, in the tenant's own log.
A read-only grant refuses every write in the guard's one place (`tenancy.guard.check_status`).
Nobody decides on a request while acting through support access or with platform power: the
decision is the customer's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import render_template
from flask_babel import gettext
from sqlalchemy import or_, select, update

from app.extensions import db
from app.models import Role, SupportAccessGrant, SupportAccessLevel, SupportAccessStatus, Tenant, TenantUser, User
from app.models.types import utcnow
from app.services.audit import Actor, record
from app.services.authority import Authority
from app.services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from app.services.transaction import unit_of_work

REASON_MAX_LENGTH = 500
MAX_MINUTES = 24 * 60  # a request's access lasts at most a day from its approval
MIN_MINUTES = 15
BREAK_GLASS_MAX_MINUTES = 4 * 60
STANDING_MAX_DAYS = 30
# A request nobody answered within a day lapses: the admin asks again if it is still needed.
REQUEST_TTL = timedelta(hours=24)
PERMISSION = "support_access.manage"
LEVELS = tuple(level.value for level in SupportAccessLevel)


class SupportAccessReadOnly(PermissionDenied):
    """A write while an admin views the tenant under a read-only grant."""

    code = "support_access_read_only"


def read_only_refusal() -> SupportAccessReadOnly:
    return SupportAccessReadOnly(gettext("Support access here is read-only: nothing can be changed."))


# --- reading ------------------------------------------------------------------------------------

def effective_status(grant: SupportAccessGrant, now: datetime | None = None) -> str:
    """The grant's status as of `now`: an approved grant past its expiry, or a request nobody
    answered within REQUEST_TTL, is expired even before the sweep has written it."""
    now = now or utcnow()
    if grant.status == SupportAccessStatus.APPROVED and grant.expires_at is not None and grant.expires_at <= now:
        return SupportAccessStatus.EXPIRED
    if grant.status == SupportAccessStatus.REQUESTED and grant.created_at + REQUEST_TTL <= now:
        return SupportAccessStatus.EXPIRED
    return grant.status


def is_usable(grant: SupportAccessGrant | None, now: datetime | None = None) -> bool:
    return grant is not None and effective_status(grant, now) == SupportAccessStatus.APPROVED


def list_grants(tenant: Tenant, limit: int = 100) -> list[SupportAccessGrant]:
    """The tenant's grants, newest first."""
    return list(db.session.scalars(select(SupportAccessGrant).where(SupportAccessGrant.tenant_id == tenant.id)
                                   .order_by(SupportAccessGrant.id.desc()).limit(limit)))


def grouped(tenant: Tenant, now: datetime | None = None) -> dict[str, list[SupportAccessGrant]]:
    """`pending`, `active` and `history` (everything else), as the Settings page shows them."""
    now = now or utcnow()
    groups: dict[str, list[SupportAccessGrant]] = {"pending": [], "active": [], "history": []}
    for grant in list_grants(tenant):
        status = effective_status(grant, now)
        key = {"requested": "pending", "approved": "active"}.get(status, "history")
        groups[key].append(grant)
    return groups


def pending_count(tenant: Tenant, now: datetime | None = None) -> int:
    """Requests waiting for an owner's answer (the portal's notice)."""
    now = now or utcnow()
    rows = db.session.scalars(select(SupportAccessGrant.created_at).where(
        SupportAccessGrant.tenant_id == tenant.id, SupportAccessGrant.status == SupportAccessStatus.REQUESTED))
    return sum(1 for created in rows if created + REQUEST_TTL > now)


def get_grant(tenant: Tenant, grant_id: int | str) -> SupportAccessGrant:
    """Grant `grant_id` of this tenant; another tenant's grant is simply not found."""
    try:
        gid = int(grant_id)
    except (TypeError, ValueError):
        gid = None
    grant = None if gid is None else db.session.scalar(
        select(SupportAccessGrant).where(SupportAccessGrant.tenant_id == tenant.id, SupportAccessGrant.id == gid))
    if grant is None:
        raise NotFound(gettext("Support access grant not found."), code="support_access_not_found")
    return grant


def active_grant(tenant: Tenant, admin: User, now: datetime | None = None) -> SupportAccessGrant | None:
    """The approved, unexpired grant `admin` may use in `tenant` now (theirs first, then a standing
    grant for any admin), or None."""
    now = now or utcnow()
    candidates = db.session.scalars(select(SupportAccessGrant).where(
        SupportAccessGrant.tenant_id == tenant.id, SupportAccessGrant.status == SupportAccessStatus.APPROVED,
        SupportAccessGrant.expires_at > now,
        or_(SupportAccessGrant.admin_user_id == admin.id, SupportAccessGrant.admin_user_id.is_(None)))
        .order_by(SupportAccessGrant.admin_user_id.is_(None), SupportAccessGrant.expires_at.desc()))
    return next(iter(candidates), None)


def requests_of(tenant: Tenant, admin: User) -> list[SupportAccessGrant]:
    """What the admin tenant page shows: this tenant's recent grants (any admin's)."""
    return list_grants(tenant, limit=10)


def recent_break_glass(days: int = 7, now: datetime | None = None) -> list[SupportAccessGrant]:
    """Break-glass grants of the last `days` days, newest first (flagged on the admin overview)."""
    since = (now or utcnow()) - timedelta(days=days)
    return list(db.session.scalars(select(SupportAccessGrant).where(
        SupportAccessGrant.break_glass.is_(True), SupportAccessGrant.created_at >= since)
        .order_by(SupportAccessGrant.id.desc()).limit(20)))


# --- checks -------------------------------------------------------------------------------------

def _reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(gettext("Say why support needs access (for example, the support ticket); the owners read it."),
                              field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(gettext("Keep the reason under %(reason_max_length)s characters.",
                                      reason_max_length=REASON_MAX_LENGTH), field="reason")
    return reason


def _level(level: str | None) -> str:
    if level not in LEVELS:
        raise ValidationError(gettext("Choose read-only or full access."), field="level")
    return level


def _minutes(minutes: int | None, most: int) -> int:
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not MIN_MINUTES <= minutes <= most:
        raise ValidationError(gettext("The duration is between %(least)s minutes and %(most)s hours.",
                                      least=MIN_MINUTES, most=most // 60), field="duration_minutes")
    return minutes


def _ensure_admin(admin: User) -> None:
    if not admin.is_platform_admin or admin.is_disabled:
        raise PermissionDenied(gettext("Only platform admins can ask for support access."))


def _ensure_usable_tenant(tenant: Tenant) -> None:
    if tenant.is_deleted:
        raise ValidationError(gettext("A deleted tenant cannot be opened for support; restore it first."),
                              field="reason")


def _ensure_customer_decides(authority: Authority) -> None:
    """Only the customer answers: not an admin viewing as the owner, not platform power."""
    if authority.impersonator_user_id is not None:
        raise PermissionDenied(gettext("Support access cannot be granted while viewing as an owner."),
                               code="impersonation_refused")
    if authority.is_platform_admin or Role.OWNER not in authority.roles_in(authority.tenant_id):
        raise PermissionDenied(gettext("Only the organisation's owners decide on support access."),
                               code="owner_required")


def _open(tenant: Tenant, grant_id: int | str, *statuses: str) -> SupportAccessGrant:
    grant = get_grant(tenant, grant_id)
    if effective_status(grant) not in statuses:
        raise Conflict(gettext("This support access is already %(status)s.", status=status_text(effective_status(grant))),
                       code="support_access_state")
    return grant


def status_text(status: str) -> str:
    labels = {"requested": gettext("waiting for an answer"), "approved": gettext("approved"),
              "denied": gettext("denied"), "revoked": gettext("revoked"), "expired": gettext("expired")}
    return labels.get(status, status)


def level_text(level: str) -> str:
    return gettext("Read-only") if level == SupportAccessLevel.READ_ONLY else gettext("Full access")


def _details(grant: SupportAccessGrant, **extra) -> dict:
    return {"grant": grant.id, "admin": grant.admin_label or None, "reason": grant.reason, "level": grant.level,
            "minutes": grant.duration_minutes, **extra}


# --- changes ------------------------------------------------------------------------------------

def _requester(admin: User | None, actor: Actor | None, ip: str | None) -> tuple[Actor, int | None, str]:
    """Who asks: a platform admin's account (the grant is theirs to use), or a platform API key made by
    no one (`actor`; the grant is then for any platform admin, as a standing one is)."""
    if admin is not None:
        _ensure_admin(admin)
        return Actor.for_user(admin, ip=ip), admin.id, admin.email
    if actor is None or not actor.is_platform_admin:
        raise PermissionDenied(gettext("Only platform admins can ask for support access."))
    return actor, None, actor.label


def request_access(tenant: Tenant, admin: User | None, *, reason: str | None, duration_minutes: int | None,
                   level: str | None, ip: str | None = None, actor: Actor | None = None) -> SupportAccessGrant:
    """An admin asks the tenant's owners for access; they are emailed and see it in the portal."""
    who, admin_id, label = _requester(admin, actor, ip)
    _ensure_usable_tenant(tenant)
    reason, level = _reason(reason), _level(level)
    minutes = _minutes(duration_minutes, MAX_MINUTES)
    with unit_of_work() as session:
        grant = SupportAccessGrant(tenant_id=tenant.id, admin_user_id=admin_id, admin_label=label if admin_id else "",
                                   reason=reason, level=level, status=SupportAccessStatus.REQUESTED,
                                   duration_minutes=minutes, created_by_label=label, created_at=utcnow())
        session.add(grant)
        session.flush()
        record("support_access.requested", who, tenant_id=tenant.id, target_type="support_access",
               target_id=grant.id, details=_details(grant))
    notify_owners(tenant, grant, "requested")
    return grant


def break_glass(tenant: Tenant, admin: User | None, *, reason: str | None, duration_minutes: int | None = 60,
                level: str | None = SupportAccessLevel.FULL, ip: str | None = None,
                actor: Actor | None = None) -> SupportAccessGrant:
    """Emergency access without approval: a reason, at most 4 h, owners emailed at once, flagged."""
    who, admin_id, label = _requester(admin, actor, ip)
    _ensure_usable_tenant(tenant)
    reason, level = _reason(reason), _level(level)
    minutes = _minutes(duration_minutes, BREAK_GLASS_MAX_MINUTES)
    now = utcnow()
    with unit_of_work() as session:
        grant = SupportAccessGrant(tenant_id=tenant.id, admin_user_id=admin_id, admin_label=label if admin_id else "",
                                   reason=reason, level=level, status=SupportAccessStatus.APPROVED, break_glass=True,
                                   duration_minutes=minutes, created_by_label=label, created_at=now,
                                   decided_by_id=admin_id, decided_by_label=label, decided_at=now,
                                   expires_at=now + timedelta(minutes=minutes))
        session.add(grant)
        session.flush()
        record("support_access.break_glass", who, tenant_id=tenant.id, target_type="support_access",
               target_id=grant.id, details=_details(grant))
    notify_owners(tenant, grant, "break_glass")
    return grant


def approve(tenant: Tenant, grant_id: int | str, authority: Authority) -> SupportAccessGrant:
    """An owner approves a request: the access lasts its duration from now."""
    _ensure_customer_decides(authority)
    grant = _open(tenant, grant_id, SupportAccessStatus.REQUESTED)
    now = utcnow()
    with unit_of_work():
        grant.status = SupportAccessStatus.APPROVED
        grant.decided_by_id, grant.decided_by_label, grant.decided_at = authority.user_id, authority.label, now
        grant.expires_at = now + timedelta(minutes=grant.duration_minutes)
        record("support_access.approved", authority, tenant_id=tenant.id, target_type="support_access",
               target_id=grant.id, details=_details(grant, expires_at=grant.expires_at.isoformat()))
    return grant


def deny(tenant: Tenant, grant_id: int | str, authority: Authority) -> SupportAccessGrant:
    """An owner refuses a request."""
    _ensure_customer_decides(authority)
    grant = _open(tenant, grant_id, SupportAccessStatus.REQUESTED)
    with unit_of_work():
        grant.status = SupportAccessStatus.DENIED
        grant.decided_by_id, grant.decided_by_label, grant.decided_at = authority.user_id, authority.label, utcnow()
        record("support_access.denied", authority, tenant_id=tenant.id, target_type="support_access",
               target_id=grant.id, details=_details(grant))
    return grant


def revoke(tenant: Tenant, grant_id: int | str, authority: Authority) -> SupportAccessGrant:
    """End a grant at once (approved, break-glass or standing) or withdraw a request; a session using
    it ends on its next request."""
    grant = _open(tenant, grant_id, SupportAccessStatus.APPROVED, SupportAccessStatus.REQUESTED)
    with unit_of_work():
        grant.status = SupportAccessStatus.REVOKED
        grant.ended_by_label, grant.ended_at = authority.label, utcnow()
        record("support_access.revoked", authority, tenant_id=tenant.id, target_type="support_access",
               target_id=grant.id, details=_details(grant))
    return grant


def grant_standing(tenant: Tenant, authority: Authority, *, reason: str | None, level: str | None,
                   days: int | None) -> SupportAccessGrant:
    """An owner lets any platform admin in for `days` days (at most 30) without asking each time."""
    _ensure_customer_decides(authority)
    reason, level = _reason(reason), _level(level)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= STANDING_MAX_DAYS:
        raise ValidationError(gettext("Standing access lasts 1 to %(most)s days.", most=STANDING_MAX_DAYS), field="days")
    now = utcnow()
    with unit_of_work() as session:
        grant = SupportAccessGrant(tenant_id=tenant.id, admin_user_id=None, admin_label="", reason=reason, level=level,
                                   status=SupportAccessStatus.APPROVED, standing=True, duration_minutes=days * 24 * 60,
                                   created_by_label=authority.label, created_at=now, decided_by_id=authority.user_id,
                                   decided_by_label=authority.label, decided_at=now, expires_at=now + timedelta(days=days))
        session.add(grant)
        session.flush()
        record("support_access.standing_granted", authority, tenant_id=tenant.id, target_type="support_access",
               target_id=grant.id, details=_details(grant, days=days))
    return grant


def expire_due(now: datetime | None = None) -> int:
    """Write `expired` on grants past their expiry and requests past REQUEST_TTL, each audited in its
    tenant's log (the `support_access.expire` job; a session's own expiry calls it too). Idempotent."""
    now = now or utcnow()
    due = list(db.session.scalars(select(SupportAccessGrant).where(or_(
        (SupportAccessGrant.status == SupportAccessStatus.APPROVED) & (SupportAccessGrant.expires_at <= now),
        (SupportAccessGrant.status == SupportAccessStatus.REQUESTED) & (SupportAccessGrant.created_at <= now - REQUEST_TTL)))))
    if not due:
        return 0
    with unit_of_work() as session:
        count = 0
        for grant in due:
            changed = session.execute(update(SupportAccessGrant).where(
                SupportAccessGrant.id == grant.id, SupportAccessGrant.status == grant.status)
                .values(status=SupportAccessStatus.EXPIRED, ended_at=now, ended_by_label="system"))
            if changed.rowcount:
                count += 1
                db.session.expire(grant)
                record("support_access.expired", Actor.system(), tenant_id=grant.tenant_id,
                       target_type="support_access", target_id=grant.id, details=_details(grant))
    return count


# --- telling the owners -------------------------------------------------------------------------

def owner_emails(tenant: Tenant) -> list[str]:
    return list(db.session.scalars(
        select(User.email).join(TenantUser, TenantUser.user_id == User.id)
        .where(TenantUser.tenant_id == tenant.id, TenantUser.role == Role.OWNER, TenantUser.status == "active")
        .order_by(User.email)))


def notify_owners(tenant: Tenant, grant: SupportAccessGrant, kind: str) -> int:
    """Email every owner about a request (`requested`) or an emergency access (`break_glass`), each
    in their own language, through the outbox (the `emails.send` job). Returns how many were queued."""
    from app.services import emails

    link = emails.public_url(f"/t/{tenant.slug}/settings/support-access")
    recipients = owner_emails(tenant)
    for address in recipients:
        with emails.speaking(emails.recipient_language(address, tenant)):
            values = {"org": tenant.name, "admin": grant.created_by_label, "reason": grant.reason,
                      "level": level_text(grant.level), "hours": f"{grant.duration_minutes / 60:g}"}
            if kind == "break_glass":
                subject = gettext("%(org)s: emergency support access was taken", **values)
                body = gettext("%(admin)s opened %(org)s without approval (break-glass: %(level)s, %(hours)s h). "
                               "Reason: %(reason)s. You can revoke it at once on the Support access page.", **values)
            else:
                subject = gettext("%(org)s: support asks for access", **values)
                body = gettext("%(admin)s asks for access to %(org)s (%(level)s) for %(hours)s h from your approval. "
                               "Reason: %(reason)s. Approve or deny it on the Support access page.", **values)
            text = render_template("settings/support_access_email.txt", body=body, link=link)
        emails.send_mail(address, subject, text, kind=f"support_access.{kind}", ref=f"support_access:{grant.id}:{address}",
                         tenant_id=tenant.id)
    return len(recipients)
