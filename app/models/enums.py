"""The closed sets of the control plane: roles and statuses, each written once.

They are `StrEnum`s: a member compares equal to its text (`Role.OWNER == "owner"`), so values read
from the database, JSON bodies and forms need no conversion to be compared, and the columns stay
plain strings. The tuples beside them (`ROLES`, ...) hold the plain texts for CHECK constraints
and JSON schemas.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A member's role in a tenant, strongest first. This order is the one role order."""

    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"

    @property
    def rank(self) -> int:
        """Higher is stronger: viewer 1 ... owner 4."""
        return len(_ROLE_ORDER) - _ROLE_ORDER.index(self)

    def outranks_or_equals(self, other: str) -> bool:
        return self.rank >= Role(other).rank


_ROLE_ORDER = tuple(Role)


class MembershipStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class TenantStatus(StrEnum):
    """A tenant's stored status. A trial past its end is *effectively* expired (`services.tenant_status`).

    Billing's lifecycle (docs/billing.md) walks an unpaid tenant active -> past_due -> read_only ->
    suspended -> pending_deletion, and a payment brings it back to active from any of them.
    """

    TRIAL = "trial"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    DELETED = "deleted"
    PAST_DUE = "past_due"
    READ_ONLY = "read_only"
    PENDING_DELETION = "pending_deletion"


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"


class IsolationStrategy(StrEnum):
    """Where a tenant's own data lives (docs/isolation.md)."""

    ROW = "row"
    SCHEMA = "schema"
    DATABASE = "database"


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    VOID = "void"


class PaymentStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def texts(enum: type[StrEnum]) -> tuple[str, ...]:
    """The plain texts of an enum, in order (for CHECK constraints and JSON schema enums)."""
    return tuple(member.value for member in enum)


ROLES = texts(Role)
MEMBERSHIP_STATUSES = texts(MembershipStatus)
TENANT_STATUSES = texts(TenantStatus)
INVITATION_STATUSES = texts(InvitationStatus)
ISOLATION_STRATEGIES = texts(IsolationStrategy)
INVOICE_STATUSES = texts(InvoiceStatus)
PAYMENT_STATUSES = texts(PaymentStatus)
