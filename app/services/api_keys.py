"""API keys: created with a secret shown once, stored as a hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import datetime, timedelta

from flask import Flask, current_app
from flask_babel import gettext
from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import ApiKey, Role, Tenant, TenantUser, User
from app.models.enums import MembershipStatus
from app.models.types import utcnow
from app.services import access_cache, roles, write_behind
from app.services.audit import Actor, record
from app.services.authority import Authority
from app.services.errors import NotFound, PermissionDenied, Unauthorized, ValidationError
from app.services.members import ensure_may_grant, validate_role
from app.services.pagination import Page, paginate
from app.services.transaction import side_session, unit_of_work

SECRET_PREFIX = "sk_"
NAME_MAX_LENGTH = 120
# Writing last_used_at on every request would turn each read into a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(tenant: Tenant | None, name: str, role: str, authority: Authority,
               custom_role: str | None = None, expires_at: datetime | None = None) -> tuple[ApiKey, str]:
    """Create a key bound to `tenant` with `role` (or a platform key when `tenant` is None), and
    optionally a custom role's permissions beside it (`custom_role`: its key; `services.roles`) and an
    expiry (`expires_at`: in the future, at most MAX_LIFETIME away). Names are unique among the
    tenant's (or the platform's) active keys.

    Returns the key and its secret; the secret is not stored and cannot be shown again.
    """
    if authority.impersonator_user_id is not None:
        # A key would outlive the impersonation and act as the owner with nobody watching.
        raise PermissionDenied(gettext("API keys cannot be created while viewing as an owner."), code="impersonation_refused")
    name = (name or "").strip()
    if not name:
        raise ValidationError(gettext("Name is required."), field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(gettext("Name must be at most %(name_max_length)s characters.", name_max_length=NAME_MAX_LENGTH), field="name")
    if _name_in_use(tenant, name):
        raise ValidationError(gettext("A key named %(name)s already exists: choose another name, or revoke that key first.", name=name), field="name", code="api_key_name_taken")
    if expires_at is not None:
        expires_at = validate_expiry(expires_at)
    if tenant is None:
        if not authority.is_platform_admin:
            raise PermissionDenied(gettext("Only platform admins create platform keys."))
        role = Role.OWNER.value
    else:
        role = validate_role(role)
        ensure_may_grant(authority, tenant, role)
    extra = roles.role_for_key(tenant, custom_role, authority) if tenant is not None and custom_role else None
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with unit_of_work() as session:
        key = ApiKey(tenant_id=tenant.id if tenant else None, name=name, role=role, prefix=secret[:10],
                     key_hash=hash_secret(secret), created_by_id=authority.user_id,
                     owned_by_id=_owner_for(authority), created_at=utcnow(),
                     custom_role_id=extra.id if extra else None, expires_at=expires_at)
        session.add(key)
        session.flush()
        record("apikey.created", authority, tenant_id=tenant.id if tenant else None, target_type="api_key",
               target_id=key.id, details={"name": name, "role": role, "platform": tenant is None,
                        **({"custom_role": extra.key} if extra else {}),
                        **({"expires_at": expires_at.isoformat()} if expires_at else {})})
    return key, secret


MAX_LIFETIME = timedelta(days=3 * 366)


def validate_expiry(expires_at: datetime, now: datetime | None = None) -> datetime:
    """An expiry for a new key: aware, in the future, at most MAX_LIFETIME away."""
    now = now or utcnow()
    if expires_at.tzinfo is None:
        raise ValidationError(gettext("Give the expiry with a time zone, e.g. 2027-06-30T00:00:00Z."), field="expires_at")
    if expires_at <= now:
        raise ValidationError(gettext("The expiry must be in the future."), field="expires_at")
    if expires_at - now > MAX_LIFETIME:
        raise ValidationError(gettext("A key may live at most three years."), field="expires_at")
    return expires_at


def _name_in_use(tenant: Tenant | None, name: str) -> bool:
    same_place = ApiKey.tenant_id == tenant.id if tenant else ApiKey.tenant_id.is_(None)
    return bool(db.session.scalar(select(func.count()).select_from(ApiKey).where(
        same_place, ApiKey.revoked_at.is_(None), func.lower(ApiKey.name) == name.lower())))


def _owner_for(authority: Authority) -> int | None:
    """Whose access a new key hangs on: the person creating it, or, for a key made with a key, that
    key's owner (so a key cannot launder itself into one that outlives its maker)."""
    if authority.api_key_id is not None:
        return db.session.scalar(select(ApiKey.owned_by_id).where(ApiKey.id == authority.api_key_id))
    return authority.user_id


def keys_query(tenant: Tenant | None, include_revoked: bool = False) -> Select:
    """The tenant's keys (or the platform keys), newest first."""
    stmt = (select(ApiKey).where(ApiKey.tenant_id == tenant.id if tenant else ApiKey.tenant_id.is_(None))
            # Lists show each key's owner and custom role: two queries for the page, not two per key.
            .options(selectinload(ApiKey.owned_by), selectinload(ApiKey.custom_role)))
    if not include_revoked:
        stmt = stmt.where(ApiKey.revoked_at.is_(None))
    return stmt.order_by(ApiKey.created_at.desc(), ApiKey.id.desc())


def list_keys(tenant: Tenant | None, include_revoked: bool = False) -> list[ApiKey]:
    """The tenant's keys (or the platform keys), newest first."""
    return list(db.session.scalars(keys_query(tenant, include_revoked)))


def page_keys(tenant: Tenant | None, page: int, per_page: int) -> Page[ApiKey]:
    """One page of the active keys, read as one page from the database."""
    return paginate(keys_query(tenant), page, per_page)


def get_key(tenant: Tenant | None, key_id: int | str) -> ApiKey:
    try:
        kid = int(key_id)
    except (TypeError, ValueError):
        raise NotFound(gettext("API key not found."), code="api_key_not_found") from None
    stmt = select(ApiKey).where(ApiKey.id == kid,
                                ApiKey.tenant_id == tenant.id if tenant else ApiKey.tenant_id.is_(None))
    key = db.session.scalar(stmt)
    if key is None:
        raise NotFound(gettext("API key not found."), code="api_key_not_found")
    return key


def revoke_key(tenant: Tenant | None, key_id: int | str, actor: Actor) -> ApiKey:
    """Revoke a key; requests with it are refused from then on."""
    with unit_of_work():
        key = get_key(tenant, key_id)
        if key.revoked_at is None:
            key.revoked_at = utcnow()
            record("apikey.revoked", actor, tenant_id=key.tenant_id, target_type="api_key", target_id=key.id,
                   details={"name": key.name})
    return key


def reown_key(tenant: Tenant, key_id: int | str, authority: Authority) -> ApiKey:
    """An owner takes over a key, so it hangs on their access from now on instead of its maker's
    (whose removal would otherwise revoke it). Only an owner, as themselves, may."""
    if authority.impersonator_user_id is not None:
        raise PermissionDenied(gettext("API keys cannot be taken over while viewing as an owner."),
                               code="impersonation_refused")
    if authority.user_id is None or authority.api_key_id is not None or \
            authority.strongest_role_in(tenant) != Role.OWNER:
        raise PermissionDenied(gettext("Only an owner of the organisation, signed in as themselves, can take over a key."),
                               code="owner_required")
    with unit_of_work():
        key = get_key(tenant, key_id)
        if key.revoked_at is not None:
            raise ValidationError(gettext("This key is revoked; create a new one instead."), field="key",
                                  code="api_key_revoked")
        previous = key.owned_by_id
        if previous != authority.user_id:
            key.owned_by_id = authority.user_id
            record("apikey.reowned", authority, tenant_id=tenant.id, target_type="api_key", target_id=key.id,
                   details={"name": key.name, "from_user_id": previous, "to_user_id": authority.user_id})
    return key


def owner_still_holds(key: ApiKey, owner: User | None, membership_status: str | None) -> bool:
    """Whether the person a key hangs on still has the access it was made with: enabled, and for a
    tenant key an active member of its tenant (or a platform admin), for a platform key a platform admin.
    A key nobody owns (made by the CLI or a job) answers to the operator and passes."""
    if key.owned_by_id is None:
        return True
    if owner is None or owner.is_disabled:
        return False
    if key.is_platform:
        return owner.is_platform_admin
    return membership_status == MembershipStatus.ACTIVE or owner.is_platform_admin


def _active_key(session: Session, key_hash: str) -> ApiKey | None:
    """The key with this hash if it may be used: not revoked, and its owner still holds their access
    (`owner_still_holds`), in the one query that finds the key. What the access cache keeps."""
    owner = aliased(User)
    row = session.execute(
        select(ApiKey, owner, TenantUser.status, TenantUser.role)
        .outerjoin(owner, owner.id == ApiKey.owned_by_id)
        .outerjoin(TenantUser, and_(TenantUser.tenant_id == ApiKey.tenant_id, TenantUser.user_id == ApiKey.owned_by_id))
        .where(ApiKey.key_hash == key_hash)
    ).first()
    if row is None:
        return None
    key, key_owner, membership_status, owner_role = row
    if key.revoked_at is not None or not owner_still_holds(key, key_owner, membership_status):
        return None
    if owner_role is not None and not Role(owner_role).outranks_or_equals(key.role):
        # Its owner was demoted since: the key acts with their role now, not the one it was made with.
        # In memory only (never written), so promoting the owner again gives the key its own role back.
        set_committed_value(key, "role", owner_role)
    return key


def authenticate_key(secret: str | None) -> ApiKey | None:
    """The active key with this secret, or None. Notes when it was last used.

    Answered from the process's access cache when it can (`services.access_cache`: revoking a key,
    or any change to what `_active_key` reads, clears it everywhere); the last use is written a
    moment later by the write-behind thread, at most once a minute per key."""
    if not secret or not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    key_hash = hash_secret(secret)
    # Detached and shared by the process's threads: callers read its columns only (a rule that needs
    # more, such as the creator's membership, belongs in `_active_key`, whose answer is what is cached).
    key = access_cache.current_cache().lookup(("api_key", key_hash), lambda session: _active_key(session, key_hash),
                                              attach=False)
    if key is not None:
        now = utcnow()
        ensure_unexpired(key, now)  # the clock, not a commit, ends a key: checked on every call
        note_use(key.id, now)
    return key


def ensure_unexpired(key: ApiKey, now: datetime | None = None) -> None:
    """401 `api_key_expired` once the key's expiry has passed (the API's hot path asks too)."""
    if key.has_expired(now):
        raise Unauthorized(gettext("This API key expired on %(date)s. Create a new one.", date=f"{key.expires_at:%Y-%m-%d %H:%M} UTC"), code="api_key_expired")


class KeyUses:
    """When each key was last used, in this process of one app, and when that was last written:
    written behind, at most once per LAST_USED_RESOLUTION per key, so a warm call writes nothing."""

    def __init__(self) -> None:
        self._pending: dict[int, datetime] = {}
        self._written: dict[int, datetime] = {}
        self._lock = threading.Lock()
        self._flushing = threading.Lock()

    def note(self, key_id: int, now: datetime) -> bool:
        """Remember the use; True when it is to be written."""
        written = self._written.get(key_id)
        if written is not None and timedelta(0) <= now - written < LAST_USED_RESOLUTION:
            return False
        with self._lock:
            self._pending[key_id] = now
            self._written[key_id] = now
        return True

    def flush(self) -> int:
        """Write what is pending; one flush at a time, so a flush called now also waits for one
        already under way. What fails to be written stays pending for the next flush."""
        with self._flushing:
            with self._lock:
                pending, self._pending = self._pending, {}
            if not pending:
                return 0
            try:
                with side_session() as session:
                    for key_id, moment in pending.items():
                        session.execute(update(ApiKey)
                                        .where(ApiKey.id == key_id,
                                               or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < moment))
                                        .values(last_used_at=moment))
            except Exception:
                with self._lock:
                    for key_id, moment in pending.items():
                        self._pending.setdefault(key_id, moment)
                raise
            return len(pending)


def _key_uses(app: Flask | None = None) -> KeyUses:
    app = app or current_app._get_current_object()
    uses = app.extensions.get("api_key_uses")
    if uses is None:
        uses = app.extensions["api_key_uses"] = KeyUses()
        write_behind.writer_of(app).register("api-key-last-use", uses.flush)
    return uses


def note_use(key_id: int, now: datetime, app: Flask | None = None) -> None:
    """Remember that the key was used now (written behind, at most once a minute per key); `app`
    outside an app context (the API's hot path)."""
    app = app or current_app._get_current_object()
    if _key_uses(app).note(key_id, now):
        write_behind.writer_of(app).start()


def flush_key_uses() -> int:
    """Write the noted last uses now (the write-behind thread does it every tick; tests may too)."""
    return _key_uses().flush()
