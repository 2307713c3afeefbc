"""Control-plane tables. Importing this package registers every model with the metadata."""

from app.models.api_key import ApiKey
from app.models.audit import AuditEvent
from app.models.billing import (
    Credit,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    Payment,
    ProviderEvent,
    Subscription,
)
from app.models.enums import (
    INVITATION_STATUSES,
    INVOICE_STATUSES,
    ISOLATION_STRATEGIES,
    MEMBERSHIP_STATUSES,
    ROLES,
    TENANT_STATUSES,
    InvitationStatus,
    InvoiceStatus,
    IsolationStrategy,
    MembershipStatus,
    PaymentStatus,
    Role,
    TenantStatus,
)
from app.models.invitation import TenantInvitation
from app.models.job import JOB_STATUSES, Job
from app.models.membership import TenantUser
from app.models.mfa import RecoveryCode, UserTotp
from app.models.outbound_email import EMAIL_STATUSES, OutboundEmail
from app.models.plan import GIB, PLAN_CODES, PLAN_SEED, RESOURCES, Plan
from app.models.scim import ScimGroup, ScimGroupMember, ScimToken, ScimUser
from app.models.sso import SamlAssertionSeen, SsoConnection, SsoIdentity, TenantDomain
from app.models.tenant import Tenant, TenantConfig, TenantQuota
from app.models.types import utcnow
from app.models.usage import ApiUsageDaily
from app.models.user import User, normalize_email
from app.models.user_session import UserSession

__all__ = [
    "EMAIL_STATUSES",
    "GIB",
    "INVITATION_STATUSES",
    "INVOICE_STATUSES",
    "ISOLATION_STRATEGIES",
    "JOB_STATUSES",
    "MEMBERSHIP_STATUSES",
    "PLAN_CODES",
    "PLAN_SEED",
    "RESOURCES",
    "ROLES",
    "TENANT_STATUSES",
    "ApiKey",
    "ApiUsageDaily",
    "AuditEvent",
    "Credit",
    "InvitationStatus",
    "Invoice",
    "InvoiceLine",
    "InvoiceSequence",
    "InvoiceStatus",
    "IsolationStrategy",
    "Job",
    "MembershipStatus",
    "OutboundEmail",
    "Payment",
    "PaymentStatus",
    "Plan",
    "ProviderEvent",
    "RecoveryCode",
    "Role",
    "SamlAssertionSeen",
    "ScimGroup",
    "ScimGroupMember",
    "ScimToken",
    "ScimUser",
    "SsoConnection",
    "SsoIdentity",
    "Subscription",
    "Tenant",
    "TenantConfig",
    "TenantDomain",
    "TenantInvitation",
    "TenantQuota",
    "TenantStatus",
    "TenantUser",
    "User",
    "UserSession",
    "UserTotp",
    "normalize_email",
    "utcnow",
]
