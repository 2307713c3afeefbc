"""The tenant manager: create, read, update, suspend, delete and purge tenants."""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import ColumnElement, Select, any_, delete, func, or_, select
from sqlalchemy.orm import joinedload

from app import crashpoints, placement
from app.extensions import db
from app.models import Tenant, TenantConfig, TenantSlugRedirect, TenantUser, User, normalize_email
from app.models.types import utcnow
from app.services import access_cache, accounts, feature_flags, storage
from app.services.audit import Actor, record
from app.services.errors import (
    DomainError,
    NotFound,
    PermissionDenied,
    SlugTaken,
    TenantNotFound,
    TenantStateConflict,
    ValidationError,
)
from app.services.feature_flags import FLAG_NAME_RE, MAX_FEATURE_FLAGS
from app.services.field_errors import FieldErrors
from app.services.languages import SUPPORTED_LOCALES
from app.services.pagination import Page, paginate
from app.services.plans import get_plan
from app.services.tenant_status import effective_status
from app.services.transaction import unit_of_work

# A DNS label (the slug becomes `{slug}.example.com`), 3 to 63 characters.
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$")
# The whole shape validate_slug accepts, as one pattern for the API's schemas (reserved words aside).
SLUG_PATTERN = r"^(?![a-z0-9]{2}--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$"
NAME_MAX_LENGTH = 120
TRIAL_EXTENSION_DAYS = (1, 365)  # the fewest and most days one extension gives
RESERVED_SLUGS = frozenset({
    "admin", "api", "app", "assets", "auth", "billing", "blog", "cdn", "dashboard", "docs", "ftp",
    "help", "imap", "internal", "login", "logout", "mail", "portal", "pop", "root", "signup", "smtp",
    "sso", "static", "status", "support", "system", "www", "healthz", "new", "settings", "tenants",
    # Words that are paths under /api/v1/tenants/: a tenant with one of them as its slug could
    # only be reached by id there.
    "current", "plans",
})
HEX_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
SETTINGS_FIELDS = ("display_name", "timezone", "locale", "brand_color", "feature_flags", "require_2fa")


def validate_slug(slug: str | None) -> str:
    """Return the slug lowercased and trimmed, or raise `ValidationError` saying what is wrong."""
    value = (slug or "").strip().lower()
    if not value:
        raise ValidationError(gettext("Slug is required."), field="slug")
    if len(value) < 3 or len(value) > 63:
        raise ValidationError(gettext("Slug must be 3 to 63 characters long."), field="slug")
    if not SLUG_RE.match(value):
        raise ValidationError(gettext("Slug may contain only lowercase letters, digits and hyphens, and must start and end with a letter or digit."), field="slug")
    if value.startswith("xn--") or value[2:4] == "--":
        raise ValidationError(gettext("Slug must not look like an internationalised domain label (xx--)."), field="slug")
    if value in RESERVED_SLUGS:
        raise ValidationError(gettext("The slug %(value)s is reserved; choose another.", value=repr(value)), field="slug")
    return value


def suggest_slug(name: str) -> str:
    """A slug derived from an organisation name ("Acme Inc." -> "acme-inc")."""
    value = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63].strip("-")
    return value if len(value) >= 3 else (value + "-org").strip("-")


def validate_name(name: str | None) -> str:
    value = (name or "").strip()
    if not value:
        raise ValidationError(gettext("Name is required."), field="name")
    if len(value) > NAME_MAX_LENGTH:
        raise ValidationError(gettext("Name must be at most %(name_max_length)s characters.", name_max_length=NAME_MAX_LENGTH), field="name")
    return single_line(value, "name")


# The characters single_line refuses (Unicode categories Cc, Zl, Zp), as a pattern for the API's schemas.
SINGLE_LINE_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"
DISPLAY_NAME_MAX_LENGTH = 120
SUSPEND_REASON_MAX_LENGTH = 500


def single_line(value: str, field: str) -> str:
    """`value`, refused when it holds a line break or another control character.

    Names end up in email subjects, CSV cells and log lines; a CR/LF in a tenant name made every
    invitation email fail (header injection refused by the mail library).
    """
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value):
        raise ValidationError(gettext("Must be a single line without control characters."), field=field)
    return value


def get_tenant(ref: str | None, *, include_deleted: bool = True) -> Tenant:
    """Find a tenant by id or by slug; raise `TenantNotFound` otherwise."""
    tenant = find_tenant(ref)
    if tenant is None or (tenant.is_deleted and not include_deleted):
        raise TenantNotFound(gettext("Tenant not found."))
    return tenant


def find_tenant(ref: str | None) -> Tenant | None:
    if not ref or not isinstance(ref, str) or len(ref) > 63:
        return None
    ref = ref.strip()
    return db.session.scalar(select(Tenant).where(or_(Tenant.id == ref, Tenant.slug == ref.lower())))


def find_tenant_for_request(ref: str | None) -> Tenant | None:
    """`find_tenant` for the request's guard, answered from the process's access cache
    (`services.access_cache`), with what the guard and the API read of it loaded: plan, owner, settings."""
    if not ref or not isinstance(ref, str) or len(ref) > 63:
        return None
    ref = ref.strip()

    def load(session) -> Tenant | None:
        return session.scalar(select(Tenant).options(joinedload(Tenant.owner), joinedload(Tenant.config))
                              .where(or_(Tenant.id == ref, Tenant.slug == ref.lower())))

    return access_cache.current_cache().lookup(("tenant", ref), load)


SLUG_REDIRECT_DAYS = 30


def _slug_free(slug: str, exclude_id: str | None = None) -> bool:
    """No tenant has the slug, and none gave it up less than SLUG_REDIRECT_DAYS ago (its old address
    still leads to it); `exclude_id` may take either back."""
    stmt = select(func.count()).select_from(Tenant).where(Tenant.slug == slug)
    held = select(func.count()).select_from(TenantSlugRedirect).where(
        TenantSlugRedirect.old_slug == slug, TenantSlugRedirect.expires_at > utcnow())
    if exclude_id:
        stmt = stmt.where(Tenant.id != exclude_id)
        held = held.where(TenantSlugRedirect.tenant_id != exclude_id)
    return not db.session.scalar(stmt) and not db.session.scalar(held)


def redirected_slug(old_slug: str, now: datetime | None = None) -> str | None:
    """The current slug of the tenant that gave up `old_slug` less than SLUG_REDIRECT_DAYS ago, if any."""
    if not old_slug or len(old_slug) > 63:
        return None
    return db.session.scalar(
        select(Tenant.slug).join(TenantSlugRedirect, TenantSlugRedirect.tenant_id == Tenant.id)
        .where(TenantSlugRedirect.old_slug == old_slug.lower(), TenantSlugRedirect.expires_at > (now or utcnow()),
               Tenant.deleted_at.is_(None)))


def _keep_old_address(tenant: Tenant, old_slug: str, new_slug: str) -> None:
    """The old slug leads to the tenant for SLUG_REDIRECT_DAYS; taking a slug back ends its redirect."""
    now = utcnow()
    db.session.execute(delete(TenantSlugRedirect).where(or_(TenantSlugRedirect.old_slug.in_((old_slug, new_slug)),
                                                            TenantSlugRedirect.expires_at <= now)))
    db.session.add(TenantSlugRedirect(old_slug=old_slug, tenant_id=tenant.id, created_at=now,
                                      expires_at=now + timedelta(days=SLUG_REDIRECT_DAYS)))


def check_new_tenant(name: str | None, slug: str | None) -> tuple[str, str]:
    """The name and slug a new tenant would get, or the error `build_tenant` would raise for them."""
    name = validate_name(name)
    # No slug given: derive one from the name ("Acme Inc." -> "acme-inc").
    slug = validate_slug(slug if (slug or "").strip() else suggest_slug(name))
    if not _slug_free(slug):
        raise SlugTaken(gettext("The slug %(slug)s is already taken.", slug=repr(slug)), field="slug")
    return name, slug


def slug_is_free(slug: str) -> bool:
    """Whether no tenant (deleted ones included: they may be restored) uses `slug`."""
    return _slug_free(slug)


def new_tenant_errors(name: str | None, slug: str | None, owner_email: str | None = None,
                      errors: FieldErrors | None = None) -> FieldErrors:
    """The fields of a new tenant, every one checked (name, slug, owner email), into `errors`.

    Fields `errors` already holds (an adapter's own shape checks) are not checked again. Raises
    nothing: the caller decides when to `raise_if_any()`.
    """
    errors = errors if errors is not None else FieldErrors()
    clean_name = errors.check(lambda: validate_name(name)) if not errors.has("name") else None
    if not errors.has("slug") and ((slug or "").strip() or clean_name):
        errors.check(lambda: validate_slug(slug if (slug or "").strip() else suggest_slug(clean_name or "")))
    if owner_email is not None and not errors.has("owner_email"):
        errors.check(lambda: accounts.clean_email(owner_email, field="owner_email"))
    return errors


def build_tenant(name: str, slug: str, owner: User, plan_code: str, actor: Actor, *,
                 status: str | None = None, isolation_strategy: str | None = None,
                 trial_days: int | None = None, now: datetime | None = None) -> Tenant:
    """Add a tenant with its owner to the current transaction (the caller commits)."""
    from flask import current_app

    now = now or utcnow()
    name, slug = check_new_tenant(name, slug)
    plan = get_plan(plan_code)
    strategy = placement.validate_strategy(isolation_strategy or current_app.config["ISOLATION_STRATEGY"],
                                 db.session.get_bind().dialect.name)
    if strategy != "row" and not actor.is_platform_admin:
        raise PermissionDenied(gettext("Only platform admins choose an isolation strategy."), field="isolation_strategy")
    if status is None:
        # Paid plans start with a trial; Free is free for good.
        status = "active" if plan.price_cents == 0 else "trial"
    if status not in ("trial", "active"):
        raise ValidationError(gettext("A new tenant starts as trial or active."), field="status")
    days = current_app.config["TRIAL_DAYS"] if trial_days is None else trial_days
    tenant = Tenant(name=name, slug=slug, plan_code=plan.code, status=status, created_at=now,
                    isolation_strategy=strategy, storage_used_bytes=0,
                    trial_ends_at=now + timedelta(days=days) if status == "trial" else None)
    tenant.plan = plan
    tenant.config = TenantConfig(display_name=name, timezone="UTC", locale="en", brand_color="#4f46e5",
                                 feature_flags={})
    db.session.add(tenant)
    db.session.flush()
    db.session.add(TenantUser(tenant_id=tenant.id, user_id=owner.id, role="owner", status="active", joined_at=now))
    tenant.owner_id = owner.id
    placement.reserve(tenant)  # a schema or database tenant is not usable until provision() has run
    record("tenant.created", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
           details={"name": name, "slug": slug, "plan": plan.code, "owner": owner.email, "status": status,
                    "isolation_strategy": strategy})
    return tenant


def create_tenant(name: str, slug: str, owner_email: str, plan_code: str, actor: Actor, *,
                  owner_name: str | None = None, status: str | None = None,
                  isolation_strategy: str | None = None, trial_days: int | None = None) -> Tenant:
    """Create a tenant whose owner is the user with `owner_email`.

    An owner with no account yet gets one without a password; they set it through the
    password-reset link. Tenant, owner membership and audit event commit together.
    """
    new_tenant_errors(name, slug, owner_email).raise_if_any()
    with unit_of_work():
        owner = accounts.find_user(owner_email)
        if owner is None:
            owner = accounts.build_user(owner_email, password=None, name=owner_name or "")
        tenant = build_tenant(name, slug, owner, plan_code, actor, status=status,
                              isolation_strategy=isolation_strategy, trial_days=trial_days)
    crashpoints.reached("tenant.committed")
    placement.provision(tenant)
    return tenant


def update_tenant(tenant: Tenant, actor: Actor, *, name: str | None = None, slug: str | None = None,
                  **settings) -> Tenant:
    """Rename the tenant, change its slug, and update settings, in one transaction.

    `settings` may hold display_name, timezone, locale, brand_color, feature_flags and require_2fa
    ("require two-factor": a person turning it on must use two-factor themselves, or they would be
    the first one locked out).
    """
    unknown = set(settings) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(gettext("Unknown setting %(value)s.", value=repr(sorted(unknown)[0])), field=sorted(unknown)[0])
    # Every bad field in one answer, before anything is written.
    errors = FieldErrors()
    if name is not None:
        errors.check(lambda: validate_name(name))
    if slug is not None:
        errors.check(lambda: validate_slug(slug))
    for key in settings:
        errors.check(lambda key=key: _validated_settings({key: settings[key]}))
    errors.raise_if_any()
    with unit_of_work():
        changes: dict[str, object] = {}
        if name is not None and validate_name(name) != tenant.name:
            changes["name"] = {"from": tenant.name, "to": validate_name(name)}
            tenant.name = validate_name(name)
        if slug is not None:
            new_slug = validate_slug(slug)
            if new_slug != tenant.slug:
                if not _slug_free(new_slug, exclude_id=tenant.id):
                    raise SlugTaken(gettext("The slug %(new_slug)s is already taken.", new_slug=repr(new_slug)), field="slug")
                changes["slug"] = {"from": tenant.slug, "to": new_slug}
                _keep_old_address(tenant, tenant.slug, new_slug)
                tenant.slug = new_slug
        clean = _validated_settings(settings)
        if clean.get("require_2fa") and not tenant.config.require_2fa:
            _check_can_require_2fa(actor)
        if "feature_flags" in clean:
            flag_changes = feature_flags.replace_flags(tenant, clean.pop("feature_flags"), actor)
            if flag_changes:
                changes["feature_flags"] = flag_changes
        for key, value in clean.items():
            if getattr(tenant.config, key) != value:
                changes[key] = {"from": getattr(tenant.config, key), "to": value}
                setattr(tenant.config, key, value)
        if changes:
            record("tenant.updated", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
                   details={"changes": changes})
    return tenant


def _validated_settings(settings: dict) -> dict:
    clean: dict = {}
    if "display_name" in settings:
        value = (settings["display_name"] or "").strip()
        if len(value) > DISPLAY_NAME_MAX_LENGTH:
            raise ValidationError(gettext("Display name must be at most %(display_name_max_length)s characters.", display_name_max_length=DISPLAY_NAME_MAX_LENGTH),
                                  field="display_name")
        clean["display_name"] = single_line(value, "display_name") or None
    if "timezone" in settings:
        value = (settings["timezone"] or "").strip()
        if value not in zoneinfo.available_timezones():
            raise ValidationError(gettext("Unknown time zone %(value)s; use an IANA name such as Europe/Berlin.", value=repr(value)),
                                  field="timezone")
        clean["timezone"] = value
    if "locale" in settings:
        value = (settings["locale"] or "").strip()
        if value not in SUPPORTED_LOCALES:
            raise ValidationError(gettext("Locale must be one of %(supported_locales)s.", supported_locales=', '.join(SUPPORTED_LOCALES)), field="locale")
        clean["locale"] = value
    if "brand_color" in settings:
        value = (settings["brand_color"] or "").strip()
        if not HEX_COLOR_RE.match(value):
            raise ValidationError(gettext("Brand colour must be a hex colour like #4f46e5."), field="brand_color")
        clean["brand_color"] = value.lower()
    if "feature_flags" in settings:
        flags = settings["feature_flags"]
        if not isinstance(flags, dict) or not all(
            isinstance(k, str) and FLAG_NAME_RE.match(k) and isinstance(v, bool) for k, v in flags.items()
        ):
            raise ValidationError(gettext("Feature flags must map lowercase names to true or false."), field="feature_flags")
        if len(flags) > MAX_FEATURE_FLAGS:
            raise ValidationError(gettext("A tenant may have at most %(max_feature_flags)s feature flags.", max_feature_flags=MAX_FEATURE_FLAGS), field="feature_flags",
                                  details={"limit": MAX_FEATURE_FLAGS, "given": len(flags)})
        clean["feature_flags"] = dict(flags)
    if "require_2fa" in settings:
        if not isinstance(settings["require_2fa"], bool):
            raise ValidationError(gettext("require_2fa must be true or false."), field="require_2fa")
        clean["require_2fa"] = settings["require_2fa"]
    return clean


def _check_can_require_2fa(actor: Actor) -> None:
    from app.services import mfa

    if actor.user_id is None or actor.is_platform_admin or actor.impersonator_user_id is not None:
        return  # keys, the CLI and platform admins are not locked out by the policy's first request
    user = db.session.get(User, actor.user_id)
    if user is not None and not mfa.is_enabled(user):
        raise ValidationError(gettext("Turn on two-factor authentication for your own account first; otherwise this would lock you out."), field="require_2fa", code="two_factor_not_enabled")


def suspend(tenant: Tenant, reason: str, actor: Actor) -> Tenant:
    """Suspend a tenant: its users and keys are refused from their next request."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(gettext("Give a reason; the tenant's users will see it."), field="reason")
    if tenant.is_deleted:
        raise ValidationError(gettext("A deleted tenant cannot be suspended."), field="status")
    with unit_of_work():
        previous = tenant.status
        tenant.status = "suspended"
        tenant.suspended_reason = reason[:SUSPEND_REASON_MAX_LENGTH]
        record("tenant.suspended", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
               details={"reason": tenant.suspended_reason, "from": previous})
    return tenant


def reactivate(tenant: Tenant, actor: Actor) -> Tenant:
    """Bring a suspended or expired tenant back: to its trial if it was suspended during a trial that has
    not ended yet (a suspension does not convert a trial into a paid plan), else to active."""
    if tenant.is_deleted:
        raise ValidationError(gettext("Restore a deleted tenant instead of reactivating it."), field="status")
    with unit_of_work():
        previous = tenant.status
        in_trial = previous == "suspended" and tenant.trial_ends_at is not None and tenant.trial_ends_at > utcnow()
        tenant.status = "trial" if in_trial else "active"
        tenant.suspended_reason = None
        record("tenant.reactivated", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
               details={"from": previous})
    return tenant


def set_status(tenant: Tenant, status: str, actor: Actor, reason: str | None = None) -> Tenant:
    """Platform status change from the API: `suspended` (with a reason) or `active`."""
    if status == "suspended":
        return suspend(tenant, reason or "", actor)
    if status == "active":
        return reactivate(tenant, actor)
    if status == "expired":
        with unit_of_work():
            tenant.status = "expired"
            record("tenant.expired", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id)
        return tenant
    raise ValidationError(gettext("Status can be set to active, suspended or expired."), field="status")


def extend_trial(tenant: Tenant, days: int, actor: Actor) -> Tenant:
    """Give a trial (or an expired trial) `days` more days from now or from its current end."""
    fewest, most = TRIAL_EXTENSION_DAYS
    if not isinstance(days, int) or not fewest <= days <= most:
        raise ValidationError(gettext("Days must be between %(fewest)s and %(most)s.", fewest=fewest, most=most), field="days")
    if tenant.status not in ("trial", "expired"):
        raise TenantStateConflict(gettext("Only a trial or expired tenant has a trial to extend."), field="days")
    with unit_of_work():
        base = max(tenant.trial_ends_at or utcnow(), utcnow())
        tenant.trial_ends_at = base + timedelta(days=days)
        tenant.status = "trial"
        record("tenant.trial_extended", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
               details={"days": days, "trial_ends_at": tenant.trial_ends_at.isoformat()})
    return tenant


def soft_delete(tenant: Tenant, actor: Actor) -> Tenant:
    """Mark a tenant deleted. Its data stays until the grace period ends and it is purged."""
    if tenant.is_deleted:
        return tenant
    with unit_of_work():
        tenant.status_before_delete = tenant.status
        tenant.status = "deleted"
        tenant.deleted_at = utcnow()
        record("tenant.deleted", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
               details={"slug": tenant.slug})
    return tenant


def restore(tenant: Tenant, actor: Actor, grace_days: int) -> Tenant:
    """Undo a soft delete within the grace period."""
    if not tenant.is_deleted:
        raise TenantStateConflict(gettext("The tenant is not deleted."), field="status")
    if tenant.deleted_at and tenant.deleted_at + timedelta(days=grace_days) <= utcnow():
        raise TenantStateConflict(gettext("The grace period has ended; the tenant can no longer be restored."),
                                  field="status")
    with unit_of_work():
        tenant.status = tenant.status_before_delete or "active"
        tenant.status_before_delete = None
        tenant.deleted_at = None
        record("tenant.restored", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id)
    return tenant


def purge(tenant: Tenant, actor: Actor) -> None:
    """Remove a soft-deleted tenant and everything it owns for good. The audit trail stays."""
    if not tenant.is_deleted:
        raise TenantStateConflict(gettext("Delete the tenant before purging it."), field="status")
    tenant_id, slug = tenant.id, tenant.slug
    placement.drop(tenant)
    storage.delete_tenant_files(tenant_id)
    with unit_of_work() as session:
        record("tenant.purged", actor, tenant_id=tenant_id, target_type="tenant", target_id=tenant_id,
               details={"slug": slug})
        session.delete(tenant)


def purge_deleted(actor: Actor, grace_days: int, now: datetime | None = None) -> list[str]:
    """Purge every tenant deleted more than `grace_days` ago; return their slugs."""
    cutoff = (now or utcnow()) - timedelta(days=grace_days)
    due = list(db.session.scalars(select(Tenant).where(Tenant.status == "deleted", Tenant.deleted_at <= cutoff)))
    purged = []
    for tenant in due:
        slug = tenant.slug
        purge(tenant, actor)
        purged.append(slug)
    return purged


@dataclass
class TenantFilter:
    status: str | None = None
    plan: str | None = None
    q: str | None = None
    isolation_strategy: str | None = None


def _owner_email_contains(needle: str) -> ColumnElement[bool]:
    """Tenants whose owner's email contains `needle`, in the form each database searches fastest.

    PostgreSQL: the matching users first (a trigram index, app/models/trigram.py), then their tenants
    by `owner_id = ANY(ARRAY(...))`, which can join the name and slug conditions in one BitmapOr of
    indexes. SQLite: the owner looked up by key from each tenant, never a scan of every user.
    """
    matching = select(User.id).where(User.email.contains(needle, autoescape=True))
    if db.session.get_bind().dialect.name == "postgresql":
        return Tenant.owner_id == any_(func.array(matching.scalar_subquery()))
    return matching.where(User.id == Tenant.owner_id).correlate(Tenant).exists()


def filtered_query(flt: TenantFilter) -> Select:
    """Tenants matching a filter, newest first; search looks at name, slug and owner email."""
    stmt = select(Tenant)
    if flt.status:
        stmt = stmt.where(Tenant.status == flt.status)
    if flt.plan:
        stmt = stmt.where(Tenant.plan_code == flt.plan)
    if flt.isolation_strategy:
        stmt = stmt.where(Tenant.isolation_strategy == flt.isolation_strategy)
    if flt.q:
        needle = flt.q.strip().lower()
        stmt = stmt.where(or_(func.lower(Tenant.name).contains(needle, autoescape=True),
                              Tenant.slug.contains(needle, autoescape=True),
                              _owner_email_contains(needle)))
    return stmt.order_by(Tenant.created_at.desc(), Tenant.id)


def list_tenants(flt: TenantFilter, page: int = 1, per_page: int = 25) -> Page[Tenant]:
    """One page of tenants matching `flt`, with the total count."""
    return paginate(filtered_query(flt), page, per_page)


def tenants_for_user(user: User) -> list[tuple[Tenant, str]]:
    """The tenants a user belongs to (not deleted), with the user's role in each, by name."""
    rows = db.session.execute(
        select(Tenant, TenantUser.role).join(TenantUser, TenantUser.tenant_id == Tenant.id)
        .where(TenantUser.user_id == user.id, TenantUser.status == "active", Tenant.status != "deleted")
        .order_by(func.lower(Tenant.name))
    ).all()
    return [(t, r) for t, r in rows]


def role_of(tenant_id: str, user_id: int) -> str | None:
    """The active role of a user in a tenant, or None."""
    return db.session.scalar(select(TenantUser.role).where(
        TenantUser.tenant_id == tenant_id, TenantUser.user_id == user_id, TenantUser.status == "active"))


def lookup_owner_email(email: str) -> User:
    user = accounts.find_user(normalize_email(email))
    if user is None:
        raise NotFound(gettext("No user with that email."), field="email")
    return user


__all__ = [
    "DomainError", "TenantFilter", "build_tenant", "check_new_tenant", "create_tenant", "effective_status", "extend_trial",
    "find_tenant", "get_tenant", "list_tenants", "purge", "purge_deleted", "reactivate", "restore", "role_of",
    "set_status", "soft_delete", "suggest_slug", "suspend", "tenants_for_user", "update_tenant", "validate_slug",
]
