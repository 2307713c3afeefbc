"""Per-tenant feature-flag overrides (issue 17): platform admins switch a flag on or off for one
tenant, optionally until a given instant.

This is what the tenant settings' `feature_flags` map became (migration 0022 moved its values into
override rows): reading `feature_flags` gives `effective_flags` (the overrides in force now), and
writing the map through `tenants.update_tenant` sets and clears overrides with `replace_flags`, so
the older API field keeps working on the same rows. `entitlements.evaluate` reads `effective_flags`
and nothing else reads the rows to decide anything.

An override with `expires_at` applies while `now < expires_at` and stops applying at that instant:
nothing needs to run to end it, and the row stays visible (as expired) until it is cleared or set again.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask_babel import gettext
from sqlalchemy import select

from app.extensions import db
from app.models import Tenant, TenantFlagOverride
from app.models.types import utcnow
from app.services import access_cache
from app.services.audit import Actor, record
from app.services.errors import NotFound, PermissionDenied, ValidationError
from app.services.field_errors import FieldErrors
from app.services.transaction import side_session, unit_of_work

NOTE_MAX_LENGTH = 500
FLAG_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Flags are switches, not storage: a bound keeps each evaluation and each audit event of a change small.
MAX_FEATURE_FLAGS = 64


def validate_key(key: str) -> str:
    """A flag key: lowercase letters, digits and underscores, starting with a letter (at most 40)."""
    if not isinstance(key, str) or not FLAG_NAME_RE.match(key):
        raise ValidationError(gettext("A flag key is lowercase letters, digits and underscores, starting with a letter."),
                              field="key")
    return key


def in_force(override: TenantFlagOverride, now: datetime | None = None) -> bool:
    """Whether `override` applies at `now` (an override stops applying at its expiry)."""
    return override.expires_at is None or (now or utcnow()) < override.expires_at


def list_overrides(tenant: Tenant) -> list[TenantFlagOverride]:
    """Every override of the tenant, expired ones included, by key."""
    return list(db.session.scalars(select(TenantFlagOverride).where(TenantFlagOverride.tenant_id == tenant.id)
                                   .order_by(TenantFlagOverride.key)))


def effective_flags(tenant: Tenant, now: datetime | None = None) -> dict[str, bool]:
    """The flags in force for the tenant at `now`: key -> on/off, sorted by key.

    The overrides come from the process's access cache (any commit to them clears it everywhere) and the
    expiry is applied here, at `now`: so the tenant JSON and the evaluation API, which every call of an
    integration reads, cost no query when warm, and an override still ends at its expiry instant."""
    now = now or utcnow()
    overrides = access_cache.current_cache().get(
        ("flag_overrides", tenant.id),
        lambda: tuple((o.key, bool(o.enabled), o.expires_at) for o in _overrides_of(tenant.id)))
    return {key: enabled for key, enabled, expires_at in overrides if expires_at is None or now < expires_at}


def _overrides_of(tenant_id: str) -> list[TenantFlagOverride]:
    with side_session() as session:  # not the request's: what is cached must not be its objects
        return list(session.scalars(select(TenantFlagOverride).where(TenantFlagOverride.tenant_id == tenant_id)
                                    .order_by(TenantFlagOverride.key)))


def get_override(tenant: Tenant, key: str) -> TenantFlagOverride:
    """The tenant's override of `key` (expired or not); NotFound if there is none."""
    override = db.session.scalar(select(TenantFlagOverride).where(
        TenantFlagOverride.tenant_id == tenant.id, TenantFlagOverride.key == key))
    if override is None:
        raise NotFound(gettext("This tenant has no override of the flag %(key)s.", key=repr(key)), field="key")
    return override


def _require_platform_admin(actor: Actor) -> None:
    if not actor.is_platform_admin:
        raise PermissionDenied(gettext("Only platform admins set flag overrides."))


def _put(tenant: Tenant, key: str, enabled: bool, actor: Actor, expires_at: datetime | None, note: str,
         now: datetime) -> TenantFlagOverride:
    override = db.session.scalar(select(TenantFlagOverride).where(
        TenantFlagOverride.tenant_id == tenant.id, TenantFlagOverride.key == key))
    if override is None:
        limit = MAX_FEATURE_FLAGS
        count = sum(1 for _ in list_overrides(tenant))
        if count >= limit:
            raise ValidationError(gettext("A tenant may have at most %(max_feature_flags)s feature flags.",
                                          max_feature_flags=limit), field="key",
                                  details={"limit": limit, "given": count + 1})
        override = TenantFlagOverride(tenant_id=tenant.id, key=key)
        db.session.add(override)
    override.enabled = enabled
    override.expires_at = expires_at
    override.set_by = actor.label
    override.note = note
    override.updated_at = now
    return override


def set_override(tenant: Tenant, key: str, enabled: bool, actor: Actor, *, expires_at: datetime | None = None,
                 note: str = "", now: datetime | None = None) -> TenantFlagOverride:
    """Switch flag `key` on or off for the tenant (platform admins), until `expires_at` if given."""
    _require_platform_admin(actor)
    now = now or utcnow()
    errors = FieldErrors()  # every bad field in one answer (the admin form and the API show them all)
    errors.check(lambda: validate_key(key))
    if not isinstance(enabled, bool):
        errors.add("enabled", gettext("enabled must be true or false."))
    if expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)  # a time without an offset is read as UTC
    if expires_at is not None and expires_at <= now:
        errors.add("expires_at", gettext("The expiry must be in the future."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        errors.add("note", gettext("A note is at most %(limit)s characters.", limit=NOTE_MAX_LENGTH))
    errors.raise_if_any()
    with unit_of_work():
        override = _put(tenant, key, enabled, actor, expires_at, note, now)
        record("feature_flag.set", actor, tenant_id=tenant.id, target_type="feature_flag", target_id=key,
               details={"key": key, "enabled": enabled,
                        "expires_at": expires_at.isoformat() if expires_at else None, "note": note})
    return override


def clear_override(tenant: Tenant, key: str, actor: Actor) -> None:
    """Remove the tenant's override of `key` (platform admins); NotFound if there is none."""
    _require_platform_admin(actor)
    with unit_of_work():
        override = get_override(tenant, key)
        db.session.delete(override)
        record("feature_flag.cleared", actor, tenant_id=tenant.id, target_type="feature_flag", target_id=key,
               details={"key": key, "enabled": override.enabled})


def replace_flags(tenant: Tenant, flags: dict[str, bool], actor: Actor, now: datetime | None = None) -> dict:
    """Make `flags` the tenant's overrides in force (the older `feature_flags` map), inside the
    caller's transaction: changed keys are set without expiry, keys left out are cleared.
    Returns what changed ({"set": {...}, "removed": [...]}, empty parts left out)."""
    now = now or utcnow()
    old = effective_flags(tenant, now)
    existing = {o.key: o for o in list_overrides(tenant)}
    for key, override in existing.items():
        if key not in flags:
            db.session.delete(override)
    db.session.flush()
    for key, value in flags.items():
        if old.get(key) != value:
            _put(tenant, key, value, actor, None, existing[key].note if key in existing else "", now)
    changed = {"set": {k: v for k, v in sorted(flags.items()) if old.get(k) != v},
               "removed": sorted(set(old) - set(flags))}
    return {k: v for k, v in changed.items() if v}
