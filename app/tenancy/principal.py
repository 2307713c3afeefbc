"""Who is calling: a signed-in user (browser), or an API key / JWT (integrations).

A `Principal` is the request's credential; `authority(tenant)` turns it into the `Authority` that
services judge (`app/services/authority.py`). `current_authority()` is the caller's, in the
request's tenant once a tenant route's guard has entered it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, request, session
from flask_login import current_user

from app.models import ApiKey, Tenant, User
from app.services import roles, tenants
from app.services.audit import Actor
from app.services.authority import Authority, Via


@dataclass
class Principal:
    user: User | None = None
    api_key: ApiKey | None = None
    via: str = "anonymous"  # "session", "api_key", "jwt"
    jwt_tenant_id: str | None = None
    impersonator_user_id: int | None = None
    # The one tenant an impersonation was started for: the owner's other tenants stay closed.
    impersonation_tenant_id: str | None = None
    # The impersonation is a read-only support-access grant: every write is refused (guard.check_status).
    support_read_only: bool = False
    # Whether this sign-in passed a second factor (the session's record, or the JWT's `mfa` claim).
    mfa: bool = False

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None or self.api_key is not None

    @property
    def is_platform_admin(self) -> bool:
        if self.api_key is not None:
            return self.api_key.is_platform
        return self.is_platform_admin_account and not self.lacks_platform_second_factor

    @property
    def is_platform_admin_account(self) -> bool:
        """The user is a platform admin acting as themselves (their powers may still wait on a second factor).

        Not through a token limited to one tenant: such a token carries the user's role there and
        nothing else, so a leaked tenant token cannot list, create or delete tenants."""
        return bool(self.user and self.user.is_platform_admin and self.impersonator_user_id is None
                    and not self.is_tenant_scoped_token)

    @property
    def is_tenant_scoped_token(self) -> bool:
        """An access token minted for one tenant (`POST /auth/token {"tenant": ...}`)."""
        return self.via == "jwt" and self.jwt_tenant_id is not None

    @property
    def lacks_platform_second_factor(self) -> bool:
        """PLATFORM_ADMIN_REQUIRE_2FA is on and this sign-in has not passed a second factor."""
        return bool(current_app.config.get("PLATFORM_ADMIN_REQUIRE_2FA")) and not self.mfa

    @property
    def second_factor_ok(self) -> bool:
        """Passes a "require two-factor" policy: API keys do (they are not people); users need `mfa`."""
        return self.api_key is not None or self.mfa

    def role_in(self, tenant: Tenant) -> str | None:
        """The caller's own role in `tenant`, or None if it has none (platform power not counted)."""
        if self.api_key is not None:
            if self.api_key.is_platform:
                return None
            return self.api_key.role if self.api_key.tenant_id == tenant.id else None
        if self.user is not None:
            if not self.may_enter(tenant):
                return None
            if self.via == "jwt" and self.jwt_tenant_id and self.jwt_tenant_id != tenant.id:
                return None  # a token minted for one tenant acts in that tenant only
            return tenants.role_of(tenant.id, self.user.id)
        return None

    def may_enter(self, tenant: Tenant) -> bool:
        """False only for an impersonation and a tenant other than the one it was started for."""
        return self.impersonator_user_id is None or tenant.id == self.impersonation_tenant_id

    @property
    def way_in(self) -> Via:
        if self.impersonator_user_id is not None:
            return Via.IMPERSONATION
        return Via(self.via)

    def authority(self, tenant: Tenant | None = None) -> Authority:
        """What this caller may do in `tenant` (None: outside any tenant, as a platform admin or no one)."""
        role = self.role_in(tenant) if tenant is not None else None
        extra: frozenset[str] = frozenset()
        if role and self.api_key is not None:
            extra = roles.key_permissions(getattr(self.api_key, "custom_role_id", None))
        elif role and self.user is not None:
            extra = roles.custom_permissions(tenant.id, self.user.id)
        return Authority.of(self.actor(), tenant_id=tenant.id if tenant is not None else None,
                            roles=(role,) if role else (), via=self.way_in, permissions=extra)

    def actor(self) -> Actor:
        ip = request.remote_addr if request else None
        if self.api_key is not None:
            return Actor(user_id=self.api_key.created_by_id if self.api_key.is_platform else None,
                         label=f"api-key:{self.api_key.name}", is_platform_admin=self.api_key.is_platform,
                         ip=ip, api_key_id=self.api_key.id)
        if self.user is not None:
            return Actor(user_id=self.user.id, label=self.user.email, is_platform_admin=self.is_platform_admin,
                         ip=ip, impersonator_user_id=self.impersonator_user_id)
        return Actor(label="anonymous", ip=ip)


def current_principal() -> Principal:
    """The caller of this request. The API sets `g.principal` when it authenticates a key or token;
    otherwise it is the browser session's user (with the impersonating admin, if any)."""
    principal = g.get("principal")
    if principal is not None:
        return principal
    if current_user and current_user.is_authenticated:
        record = g.get("user_session")
        principal = Principal(user=current_user._get_current_object(), via="session",
                              impersonator_user_id=session.get("impersonator_id"),
                              impersonation_tenant_id=session.get("impersonation_tenant_id"),
                              support_read_only=bool(session.get("impersonator_id"))
                              and session.get("support_level") == "read_only",
                              mfa=bool(record and record.mfa))
    else:
        principal = Principal()
    g.principal = principal
    return principal


def caller_tenants() -> list[tuple[Tenant, str]]:
    """The tenants the signed-in caller may open, with their role in each (the switcher, the
    organisations page): while impersonating, only the tenant the impersonation is for."""
    if not current_user or not current_user.is_authenticated:
        return []
    principal = current_principal()
    return [(tenant, role) for tenant, role in tenants.tenants_for_user(current_user) if principal.may_enter(tenant)]


def current_actor() -> Actor:
    """The caller as an audit-trail actor only; adapters pass `current_authority()` (an Actor too)."""
    return current_principal().actor()


def current_authority() -> Authority:
    """The caller's authority: in the request's tenant when a tenant route entered one (the guard
    computed it then), otherwise outside any tenant."""
    authority = g.get("authority")
    if authority is not None:
        return authority
    return current_principal().authority(None)
