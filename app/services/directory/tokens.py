"""SCIM tokens: a bearer secret per identity provider connection, shown once, stored as a hash.

A token names its tenant, so the SCIM endpoint of one tenant refuses another tenant's token
(`authenticate` is given the tenant the URL names). Owners create and revoke them.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext
from sqlalchemy import Select, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import ScimToken, Tenant
from app.models.types import utcnow
from app.services import entitlements
from app.services.audit import Actor, record
from app.services.authority import Authority, Via, allows
from app.services.errors import NotFound, PermissionDenied, ValidationError
from app.services.pagination import Page, paginate
from app.services.transaction import side_session, unit_of_work

SECRET_PREFIX = "scim_"
NAME_MAX_LENGTH = 120
SECRET_MAX_LENGTH = 200
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def actor_for(token: ScimToken, ip: str | None = None) -> Authority:
    """The authority a SCIM request acts with: the token, in its tenant, for the audit trail.

    It holds no role: what SCIM may do is decided by the directory service, not by permissions.
    """
    actor = Actor(label=f"scim-token:{token.id} {token.name}"[:120], ip=ip)
    return Authority.of(actor, tenant_id=token.tenant_id, via=Via.SCIM)


def create_token(tenant: Tenant, name: str, authority: Authority) -> tuple[ScimToken, str]:
    """Create a SCIM token for `tenant`; returns it and its secret, which is not stored and never shown again."""
    if not allows(authority, "scim.manage", tenant):
        raise PermissionDenied(gettext("Only an owner can create SCIM tokens."))
    entitlements.require_feature(tenant, "scim")
    name = (name or "").strip()
    if not name:
        raise ValidationError(gettext("Name is required."), field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(gettext("Name must be at most %(name_max_length)s characters.", name_max_length=NAME_MAX_LENGTH), field="name")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with unit_of_work() as session:
        token = ScimToken(tenant_id=tenant.id, name=name, prefix=secret[:12], token_hash=hash_secret(secret),
                          created_by_id=authority.user_id, created_at=utcnow())
        session.add(token)
        session.flush()
        record("scim_token.created", authority, tenant_id=tenant.id, target_type="scim_token", target_id=token.id,
               details={"name": name})
    return token, secret


def tokens_query(tenant: Tenant) -> Select:
    """The tenant's active tokens, newest first."""
    return (select(ScimToken).where(ScimToken.tenant_id == tenant.id, ScimToken.revoked_at.is_(None))
            .order_by(ScimToken.created_at.desc(), ScimToken.id.desc()))


def list_tokens(tenant: Tenant) -> list[ScimToken]:
    return list(db.session.scalars(tokens_query(tenant)))


def page_tokens(tenant: Tenant, page: int, per_page: int) -> Page[ScimToken]:
    return paginate(tokens_query(tenant), page, per_page)


def get_token(tenant: Tenant, token_id: int) -> ScimToken:
    token = db.session.scalar(select(ScimToken).where(ScimToken.id == token_id, ScimToken.tenant_id == tenant.id))
    if token is None:
        raise NotFound(gettext("SCIM token not found."), code="scim_token_not_found")
    return token


def revoke_token(tenant: Tenant, token_id: int, authority: Authority) -> ScimToken:
    """Revoke a token: the identity provider's next request with it is refused."""
    if not allows(authority, "scim.manage", tenant):
        raise PermissionDenied(gettext("Only an owner can revoke SCIM tokens."))
    with unit_of_work():
        token = get_token(tenant, token_id)
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            record("scim_token.revoked", authority, tenant_id=tenant.id, target_type="scim_token",
                   target_id=token.id, details={"name": token.name})
    return token


def authenticate(tenant: Tenant, secret: str | None) -> ScimToken | None:
    """The active token of `tenant` with this secret, or None (another tenant's token is None too)."""
    if not secret or not secret.startswith(SECRET_PREFIX) or len(secret) > SECRET_MAX_LENGTH:
        return None
    token = db.session.scalar(select(ScimToken).where(ScimToken.token_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None or token.tenant_id != tenant.id:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        with side_session() as session:  # its own transaction: noting the use must not ride on the request's
            session.execute(update(ScimToken).where(ScimToken.id == token.id).values(last_used_at=now))
        set_committed_value(token, "last_used_at", now)
    return token
