"""Enterprise single sign-on: a tenant's identity connections, the identities they vouch for,
the mail domains a tenant has proved it owns, and the SAML assertions already used."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.membership import ROLES
from app.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.tenant import Tenant
    from app.models.user import User

SSO_PROTOCOLS = ("oidc", "saml", "ldap")
CONNECTION_STATUSES = ("active", "disabled")
DOMAIN_STATUSES = ("pending", "verified")


def new_connection_id() -> str:
    """Opaque, like tenant ids: it appears in URLs the customer registers at their IdP."""
    return "sso_" + secrets.token_hex(8)


class SsoConnection(db.Model):
    """One identity provider a tenant signs its people in with (OIDC, SAML 2.0 or LDAP)."""

    __tablename__ = "sso_connections"
    __table_args__ = (
        CheckConstraint(f"protocol IN {SSO_PROTOCOLS!r}", name="protocol_valid"),
        CheckConstraint(f"status IN {CONNECTION_STATUSES!r}", name="status_valid"),
        CheckConstraint(f"default_role IN {ROLES!r}", name="default_role_valid"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_connection_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    protocol: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(120))
    # Tenant admins switch a connection on and off; a platform admin's switch-off wins over theirs.
    status: Mapped[str] = mapped_column(String(16), default="active")
    disabled_by_platform: Mapped[bool] = mapped_column(Boolean, default=False)
    default_role: Mapped[str] = mapped_column(String(16), default="member")
    # Protocol settings that are not secret (issuer, client id, IdP metadata, LDAP host ...).
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # The OIDC client secret, encrypted (services.secret_box); never shown again after saving.
    secret_ciphertext: Mapped[str | None] = mapped_column(Text)
    # IdP group name -> tenant role; people in none of the groups get `default_role`.
    group_roles: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tenant: Mapped[Tenant] = relationship()

    @property
    def is_usable(self) -> bool:
        return self.status == "active" and not self.disabled_by_platform


class SsoIdentity(db.Model):
    """A user as one connection knows them: linked by (connection, subject), never by email alone."""

    __tablename__ = "sso_identities"
    __table_args__ = (UniqueConstraint("connection_id", "subject", name="uq_sso_identities_connection_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("sso_connections.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The email the IdP last sent; it may change without creating a second account.
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class TenantDomain(db.Model):
    """A mail domain a tenant claims; verified by a DNS TXT record, and then by one tenant only."""

    __tablename__ = "tenant_domains"
    __table_args__ = (
        CheckConstraint(f"status IN {DOMAIN_STATUSES!r}", name="status_valid"),
        UniqueConstraint("tenant_id", "domain", name="uq_tenant_domains_tenant_domain"),
        Index("uq_tenant_domains_verified_domain", "domain", unique=True,
              sqlite_where=text("status = 'verified'"), postgresql_where=text("status = 'verified'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(253))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # The value the TXT record must hold. Public by nature (it is published in DNS), so stored plainly.
    token: Mapped[str] = mapped_column(String(64))
    # People signing up with an address here are offered to join with the default role.
    auto_join: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tenant: Mapped[Tenant] = relationship()


class SamlAssertionSeen(db.Model):
    """Assertion IDs already consumed, kept until they expire: a replayed assertion is refused."""

    __tablename__ = "saml_assertions_seen"

    assertion_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("sso_connections.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
