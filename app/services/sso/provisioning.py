"""Just-in-time provisioning: the person an IdP vouched for becomes (or is found as) a member.

Identities are linked by (connection, subject), never by email alone. A first sign-in may link an
existing account only if its email is on a domain the connection's tenant has verified, so an IdP
cannot claim somebody else's account; a new account is created only on such a domain too. The
membership counts against the users quota; a full quota refuses and creates nothing.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select

from app.extensions import db
from app.models import SsoConnection, SsoIdentity, TenantUser, User
from app.models.types import utcnow
from app.services import accounts, tenants
from app.services.audit import Actor, record, record_now
from app.services.domains import email_domain, tenant_has_verified_domain
from app.services.errors import DomainError, SsoRefused, TenantExpired, TenantNotFound, TenantSuspended
from app.services.members import build_membership
from app.services.sso.connections import role_for_groups
from app.services.sso.identity import VerifiedIdentity
from app.services.transaction import lock_tenant, unit_of_work


def refuse(connection: SsoConnection | None, exc: DomainError, *, ip: str | None = None,
           details: dict | None = None) -> DomainError:
    """Audit a refused single sign-on as a security event (its own transaction) and return `exc` to raise."""
    db.session.rollback()
    record_now("security.sso_refused", Actor(label="sso", ip=ip),
               tenant_id=connection.tenant_id if connection else None, target_type="sso_connection",
               target_id=connection.id if connection else None,
               details={"reason": exc.code, "protocol": connection.protocol if connection else None,
                        "message": exc.message[:300], **(details or {})})
    return exc


def check_tenant_admits(connection: SsoConnection) -> None:
    """The connection is on, and its tenant may be used: suspended and expired tenants refuse."""
    tenant = connection.tenant
    if not connection.is_usable:
        raise SsoRefused(gettext("Single sign-on with %(connection)s is switched off.", connection=connection.name), code="sso_connection_disabled")
    status = tenants.effective_status(tenant)
    if status == "deleted":
        raise TenantNotFound(gettext("Tenant not found."))
    if status == "suspended":
        reason = (tenant.suspended_reason or "no reason given").rstrip(". ")
        raise TenantSuspended(gettext("%(tenant)s is suspended: %(reason)s. Contact support to restore access.", tenant=tenant.name, reason=reason),
                              details={"reason": tenant.suspended_reason})
    if status == "expired":
        raise TenantExpired(gettext("The subscription of %(tenant)s has expired. Choose a plan to continue.", tenant=tenant.name))


def sign_in(connection: SsoConnection, person: VerifiedIdentity, *, ip: str | None = None,
            now: datetime | None = None) -> User:
    """The user `person` is in this tenant, creating the account, link and membership the first time.

    Raises (after auditing) `SsoRefused`, `TenantSuspended`, `QuotaExceeded` ...; nothing is half-written.
    """
    now = now or utcnow()
    try:
        check_tenant_admits(connection)
        return _provision(connection, person, ip=ip, now=now)
    except DomainError as exc:
        raise refuse(connection, exc, ip=ip, details={"subject": person.subject[:255],
                                                      "email": person.email[:254]}) from None


def _provision(connection: SsoConnection, person: VerifiedIdentity, *, ip: str | None, now: datetime) -> User:
    tenant = connection.tenant
    email = accounts.clean_email(person.email)
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        identity = session.scalar(select(SsoIdentity).where(SsoIdentity.connection_id == connection.id,
                                                            SsoIdentity.subject == person.subject))
        if identity is not None:
            user = identity.user
            if identity.email != email:
                # The IdP renamed the person: same account; the portal's email changes only if the
                # new one is free and on one of the tenant's verified domains.
                record("sso.identity_email_changed", Actor.for_user(user, ip=ip), tenant_id=tenant.id,
                       target_type="user", target_id=user.id, details={"from": identity.email, "to": email})
                identity.email = email
                if (accounts.find_user(email) is None
                        and tenant_has_verified_domain(tenant, email_domain(email))):
                    user.email = email
        else:
            if not tenant_has_verified_domain(tenant, email_domain(email)):
                raise SsoRefused(gettext("%(email)s is not on a domain %(tenant)s has verified, so %(connection)s cannot vouch for it.", email=email, tenant=tenant.name, connection=connection.name), code="sso_domain_not_verified")
            user = accounts.find_user(email)
            if user is not None and not user.is_email_verified:
                # Whoever made this account never proved the address the IdP now vouches for.
                accounts.forget_unproven_credentials(user, Actor(label=f"sso:{connection.name}", ip=ip))
            if user is None:
                user = accounts.build_user(email, None, (person.name or "")[:120], email_verified=True)
                record("user.created_by_sso", Actor(label=f"sso:{connection.name}", ip=ip), tenant_id=tenant.id,
                       target_type="user", target_id=user.id, details={"email": email, "connection": connection.id})
            identity = SsoIdentity(connection_id=connection.id, subject=person.subject[:255], user_id=user.id,
                                   email=email, created_at=now)
            session.add(identity)
            record("sso.identity_linked", Actor.for_user(user, ip=ip), tenant_id=tenant.id, target_type="user",
                   target_id=user.id, details={"connection": connection.id, "subject": person.subject[:255]})
        if user.is_disabled:
            raise SsoRefused(gettext("This account is disabled."), code="sso_account_disabled")
        membership = session.scalar(select(TenantUser).where(TenantUser.tenant_id == tenant.id,
                                                             TenantUser.user_id == user.id))
        role = role_for_groups(connection, list(person.groups))
        if membership is None:
            build_membership(tenant, user, role, Actor(label=f"sso:{connection.name}", ip=ip))
        elif membership.status != "active":
            raise SsoRefused(gettext("Your membership of %(tenant)s is disabled.", tenant=tenant.name), code="sso_membership_disabled")
        elif connection.group_roles and membership.role != "owner" and membership.role != role:
            # The IdP's groups decide the role of the people they map; owners are never demoted by it.
            record("member.role_changed", Actor(label=f"sso:{connection.name}", ip=ip), tenant_id=tenant.id,
                   target_type="user", target_id=user.id,
                   details={"email": user.email, "from": membership.role, "to": role, "via": "sso_groups"})
            membership.role = role
        identity.last_login_at = now
        user.last_tenant_id = tenant.id
        record("sso.sign_in", Actor.for_user(user, ip=ip), tenant_id=tenant.id, target_type="sso_connection",
               target_id=connection.id, details={"protocol": connection.protocol})
    return user
