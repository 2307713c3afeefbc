"""Domain errors: a stable machine `code`, a human `message`, the `field` at fault where one is.

`http_status` is the status the JSON and HTML layers answer with; it lives here so that the
mapping is written once rather than in every adapter.
"""

from __future__ import annotations

from typing import Any


def _plain(value: Any) -> Any:
    """`value` with every lazy string (a translated message evaluated later) turned into text."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "__html__") and not isinstance(value, str):
        return str(value)
    return value


class DomainError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None, details: dict[str, Any] | None = None,
                 code: str | None = None) -> None:
        # Messages arrive translated (`gettext` at the raise, in the request's language) or as lazy
        # strings; either way they are plain text from here on, so JSON, logs and audit can hold them.
        message = str(message)
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = _plain(dict(details or {}))
        if code:
            self.code = code

    def to_dict(self) -> dict[str, Any]:
        details = dict(self.details)
        if self.field and "fields" not in details:
            details["fields"] = {self.field: [self.message]}
        return {"code": self.code, "message": self.message, "details": details}


class ValidationError(DomainError):
    """Input that breaks a rule about its shape (a bad slug, an unknown role, a short password)."""

    code = "validation_error"
    http_status = 422


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


class TenantStateConflict(Conflict):
    """The tenant's lifecycle state does not allow this (restore a live tenant, extend an active one's trial)."""

    code = "tenant_state_conflict"


class PermissionDenied(DomainError):
    code = "forbidden"
    http_status = 403


class FeatureNotInPlan(PermissionDenied):
    """The tenant's plan does not include the feature (`services.entitlements`); details name the
    feature, the plan, the cheapest plan that includes it and the plan picker (the upgrade prompt)."""

    code = "feature_not_in_plan"


class Unauthorized(DomainError):
    code = "unauthorized"
    http_status = 401


class SlugTaken(Conflict):
    code = "slug_taken"


class EmailTaken(Conflict):
    code = "email_taken"


class AlreadyMember(Conflict):
    code = "already_member"


class AlreadyInvited(Conflict):
    code = "already_invited"


class LastOwner(DomainError):
    code = "last_owner"
    http_status = 409


class QuotaExceeded(DomainError):
    code = "quota_exceeded"
    http_status = 403


class StorageQuotaExceeded(QuotaExceeded):
    code = "storage_quota_exceeded"
    http_status = 413


class ApiQuotaExceeded(QuotaExceeded):
    code = "api_quota_exceeded"
    http_status = 429


class PlanDowngradeBlocked(DomainError):
    code = "plan_downgrade_blocked"
    http_status = 409


class InvitationInvalid(DomainError):
    """An invitation link that cannot be used; `code` says why (expired, revoked, used, unknown)."""

    code = "invitation_invalid"
    http_status = 410


class TenantNotFound(NotFound):
    code = "tenant_not_found"


class TenantConflict(DomainError):
    code = "tenant_conflict"
    http_status = 400


class TenantSuspended(DomainError):
    code = "tenant_suspended"
    http_status = 403


class TenantReadOnly(DomainError):
    """The tenant's invoices are unpaid past the grace period: it may be read, not changed."""

    code = "tenant_read_only"
    http_status = 403


class TenantPendingDeletion(DomainError):
    """Unpaid long enough to be scheduled for deletion; paying brings it back until then."""

    code = "tenant_pending_deletion"
    http_status = 403


class TenantExpired(DomainError):
    code = "tenant_expired"
    http_status = 402


class TenantUnavailable(DomainError):
    """The tenant's schema or database is not built yet (or no longer answers): try again shortly.

    A 503 with Retry-After, never a 500: the repair is already under way (`placement.repair`)."""

    code = "tenant_unavailable"
    http_status = 503
    retry_after = 30


class SsoRefused(DomainError):
    """A single sign-on that must not succeed; `code` names why (`oidc_state_mismatch`, `saml_replay` ...).

    Refusals are audited as security events (`security.sso_refused`) by `services.sso.flows.refuse`.
    """

    code = "sso_refused"
    http_status = 400


class SsoRequired(DomainError):
    """Password sign-in or reset for a member of a tenant that requires single sign-on."""

    code = "sso_required"
    http_status = 403


class TwoFactorRequired(PermissionDenied):
    """The caller must pass a second factor first (a tenant's policy, or platform-admin configuration)."""

    code = "two_factor_required"


class InvalidCode(ValidationError):
    """A wrong, expired or already used two-factor or recovery code."""

    code = "invalid_code"
