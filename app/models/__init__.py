"""Control-plane tables. Importing this package registers every model with the metadata."""

from app.models.api_key import ApiKey
from app.models.audit import AuditEvent
from app.models.beta_feature import TenantBetaFeature
from app.models.billing import (
    Credit,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    Payment,
    ProviderEvent,
    Subscription,
)
from app.models.data_export import EXPORT_ACTIVE_STATUSES, EXPORT_STATUSES, DataExport
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
from app.models.flag_override import TenantFlagOverride
from app.models.invitation import TenantInvitation
from app.models.job import JOB_STATUSES, Job
from app.models.membership import TenantUser
from app.models.mfa import RecoveryCode, UserTotp
from app.models.outbound_email import EMAIL_STATUSES, OutboundEmail
from app.models.plan import GIB, PLAN_CODES, PLAN_SEED, RESOURCES, Plan
from app.models.role import TenantRole, TenantUserRole
from app.models.scim import ScimGroup, ScimGroupMember, ScimToken, ScimUser
from app.models.sso import SamlAssertionSeen, SsoConnection, SsoIdentity, TenantDomain
from app.models.support_access import (
    SUPPORT_ACCESS_LEVELS,
    SUPPORT_ACCESS_STATUSES,
    SupportAccessGrant,
    SupportAccessLevel,
    SupportAccessStatus,
)
from app.models.tenant import Tenant, TenantConfig, TenantQuota, TenantSlugRedirect
from app.models.types import utcnow
from app.models.usage import ApiUsageDaily
from app.models.user import User, normalize_email
from app.models.user_session import UserSession
from app.models.webhook import DELIVERY_STATUSES, WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "DELIVERY_STATUSES",
    "EMAIL_STATUSES",
    "EXPORT_ACTIVE_STATUSES",
    "EXPORT_STATUSES",
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
    "SUPPORT_ACCESS_LEVELS",
    "SUPPORT_ACCESS_STATUSES",
    "TENANT_STATUSES",
    "ApiKey",
    "ApiUsageDaily",
    "AuditEvent",
    "Credit",
    "DataExport",
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
    "SupportAccessGrant",
    "SupportAccessLevel",
    "SupportAccessStatus",
    "Tenant",
    "TenantBetaFeature",
    "TenantConfig",
    "TenantDomain",
    "TenantFlagOverride",
    "TenantInvitation",
    "TenantQuota",
    "TenantRole",
    "TenantSlugRedirect",
    "TenantStatus",
    "TenantUser",
    "TenantUserRole",
    "User",
    "UserSession",
    "UserTotp",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "normalize_email",
    "utcnow",
]
