"""Tenant-visible beta toggles (issue 17): a platform admin allows a beta for one tenant, the
tenant then switches it on or off itself.

The betas are a catalogue in the configuration (`BETA_FEATURES`: key -> label, description). Each
tenant's state is one `TenantBetaFeature` row per key it was ever touched for; no row means neither
allowed nor enabled. Two rules hold:

- only platform admins allow or disallow (`allow`), and disallowing switches the beta off in the
  same change, so `enabled` is never true while `allowed` is false;
- the tenant switches only what is allowed (`set_enabled`, permission `settings.update`): a beta
  that is not allowed is refused with `PermissionDenied` (code `beta_not_allowed`).

An enabled beta is a flag of the evaluation API (`entitlements.evaluate`) under its own key, with
the platform's flag overrides laid over it (an override of the same key wins). What is enabled is
read through the access cache, cleared by any commit to the table, so a change shows at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from app.extensions import db
from app.models import Tenant, TenantBetaFeature
from app.models.types import utcnow
from app.services import access_cache
from app.services.audit import Actor, record
from app.services.authority import Authority, allows
from app.services.errors import PermissionDenied, ValidationError
from app.services.transaction import side_session, unit_of_work

PERMISSION = "settings.update"


@dataclass(frozen=True)
class BetaFeature:
    """One beta of the catalogue: its stable key (the flag name) and what the pages call it."""

    key: str
    label: str
    description: str


@dataclass(frozen=True)
class BetaState:
    """A beta as one tenant has it: allowed by the platform, enabled by the tenant, and who changed it last."""

    feature: BetaFeature
    allowed: bool
    enabled: bool
    changed_at: datetime | None
    changed_by: str | None

    @property
    def key(self) -> str:
        return self.feature.key


def catalogue() -> dict[str, BetaFeature]:
    """The betas of the configuration (`BETA_FEATURES`), in its order."""
    return {key: BetaFeature(key, str(entry.get("label") or key), str(entry.get("description") or ""))
            for key, entry in (current_app.config.get("BETA_FEATURES") or {}).items()}


def feature(key: str) -> BetaFeature:
    """The catalogue entry for `key`; `ValidationError` (field `key`) for a key that is not a beta."""
    found = catalogue().get(key) if isinstance(key, str) else None
    if found is None:
        raise ValidationError(gettext("%(key)s is not a beta feature.", key=repr(key)), field="key",
                              details={"known": sorted(catalogue())})
    return found


def _rows(tenant: Tenant) -> dict[str, TenantBetaFeature]:
    return {row.key: row for row in db.session.scalars(
        select(TenantBetaFeature).where(TenantBetaFeature.tenant_id == tenant.id))}


def _state(item: BetaFeature, row: TenantBetaFeature | None) -> BetaState:
    if row is None:
        return BetaState(item, False, False, None, None)
    return BetaState(item, bool(row.allowed), bool(row.allowed and row.enabled), row.changed_at, row.changed_by)


def platform_view(tenant: Tenant) -> list[BetaState]:
    """Every beta of the catalogue with whether it is allowed and enabled for the tenant (the admin page)."""
    rows = _rows(tenant)
    return [_state(item, rows.get(key)) for key, item in catalogue().items()]


def tenant_view(tenant: Tenant) -> list[BetaState]:
    """The betas the platform allowed the tenant, with whether the tenant switched each on (its settings page)."""
    return [state for state in platform_view(tenant) if state.allowed]


def list_for(tenant: Tenant, authority: Actor) -> list[BetaState]:
    """What `authority` sees of the tenant's betas: platform admins all of them, the tenant the allowed ones."""
    return platform_view(tenant) if authority.is_platform_admin else tenant_view(tenant)


def get_state(tenant: Tenant, key: str, authority: Actor) -> BetaState:
    """One beta as `authority` may see it; a beta the tenant is not allowed is unknown to the tenant."""
    item = feature(key)
    state = _state(item, _rows(tenant).get(key))
    if not state.allowed and not authority.is_platform_admin:
        raise ValidationError(gettext("%(key)s is not a beta feature.", key=repr(key)), field="key")
    return state


def enabled_keys(tenant: Tenant) -> frozenset[str]:
    """The betas the tenant has switched on (and is allowed), from the access cache when warm.

    Keys no longer in the catalogue are left out: a beta taken out of the configuration ends."""
    keys = access_cache.current_cache().get(("beta_features", tenant.id), lambda: _enabled_of(tenant.id))
    known = catalogue()
    return frozenset(key for key in keys if key in known)


def _enabled_of(tenant_id: str) -> tuple[str, ...]:
    with side_session() as session:  # not the request's: what is cached must not be its objects
        return tuple(session.scalars(select(TenantBetaFeature.key).where(
            TenantBetaFeature.tenant_id == tenant_id, TenantBetaFeature.allowed.is_(True),
            TenantBetaFeature.enabled.is_(True)).order_by(TenantBetaFeature.key)))


def _require_bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(gettext("%(field)s must be true or false.", field=field), field=field)
    return value


def _row_for(tenant: Tenant, key: str) -> TenantBetaFeature:
    row = db.session.scalar(select(TenantBetaFeature).where(
        TenantBetaFeature.tenant_id == tenant.id, TenantBetaFeature.key == key))
    if row is None:
        row = TenantBetaFeature(tenant_id=tenant.id, key=key, allowed=False, enabled=False)
        db.session.add(row)
    return row


def allow(tenant: Tenant, key: str, allowed: bool, actor: Actor, now: datetime | None = None) -> BetaState:
    """Allow or disallow beta `key` for the tenant (platform admins only); disallowing also switches it off.

    Setting what is already so changes nothing and records nothing."""
    if not actor.is_platform_admin:
        raise PermissionDenied(gettext("Only platform admins allow beta features."))
    item = feature(key)
    allowed = _require_bool(allowed, "allowed")
    with unit_of_work():
        row = _row_for(tenant, key)
        was_enabled = bool(row.allowed and row.enabled)
        if bool(row.allowed) != allowed or (not allowed and row.enabled):
            row.allowed = allowed
            row.enabled = bool(row.enabled) and allowed
            row.changed_at = now or utcnow()
            row.changed_by = actor.label
            record("beta_feature.allowed" if allowed else "beta_feature.disallowed", actor, tenant_id=tenant.id,
                   target_type="beta_feature", target_id=key,
                   details={"key": key, "allowed": allowed,
                            **({"switched_off": True} if was_enabled and not allowed else {})})
        elif row.changed_by is None:  # a new row that stays as it was (not allowed): nothing to keep
            db.session.expunge(row)
        state = _state(item, row if row in db.session else None)
    return state


def set_enabled(tenant: Tenant, key: str, enabled: bool, authority: Authority,
                now: datetime | None = None) -> BetaState:
    """Switch beta `key` on or off for the tenant (the tenant's side, permission `settings.update`).

    Refused with `PermissionDenied` (code `beta_not_allowed`) unless a platform admin allowed it;
    an unknown key is a `ValidationError` on `key`. Setting what is already so records nothing."""
    if not allows(authority, PERMISSION, tenant):
        raise PermissionDenied(gettext("Your role does not allow this."), details={"permission": PERMISSION})
    item = feature(key)
    enabled = _require_bool(enabled, "enabled")
    with unit_of_work():
        row = db.session.scalar(select(TenantBetaFeature).where(
            TenantBetaFeature.tenant_id == tenant.id, TenantBetaFeature.key == key))
        if row is None or not row.allowed:
            raise PermissionDenied(gettext("%(label)s is not available to this organisation yet.", label=item.label),
                                   code="beta_not_allowed", details={"key": key})
        if bool(row.enabled) != enabled:
            row.enabled = enabled
            row.changed_at = now or utcnow()
            row.changed_by = authority.label
            record("beta_feature.enabled" if enabled else "beta_feature.disabled", authority,
                   tenant_id=tenant.id, target_type="beta_feature", target_id=key,
                   details={"key": key, "enabled": enabled})
        state = _state(item, row)
    return state
