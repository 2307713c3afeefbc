"""User accounts: registration, passwords, sign-in checks, platform admins."""

from __future__ import annotations

import hashlib
import hmac

import email_validator
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from app.extensions import db
from app.models import User, normalize_email
from app.models.types import utcnow
from app.services.audit import Actor, record
from app.services.errors import EmailTaken, NotFound, ValidationError
from app.services.transaction import unit_of_work

DEFAULT_MIN_PASSWORD_LENGTH = 10
# A hash to check against when the email is unknown, so a wrong email costs as long as a wrong password.
# Self-hosted portals serve intranets: addresses at *.local, *.test or localhost are real there.
email_validator.SPECIAL_USE_DOMAIN_NAMES = [
    d for d in email_validator.SPECIAL_USE_DOMAIN_NAMES if d not in ("local", "test", "localhost")
]
_DUMMY_HASH = "scrypt:32768:8:1$dummysaltdummys$" + "0" * 128


def clean_email(email: str | None, field: str = "email") -> str:
    """Validate an address's shape (no DNS lookups) and return its normalised form."""
    value = normalize_email(email or "")
    if not value:
        raise ValidationError("Email is required.", field=field)
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(f"{value!r} is not a valid email address: {exc}", field=field) from None
    return value


def check_password_policy(password: str | None, email: str, min_length: int | None = None) -> None:
    """A password must be long enough and must not be (or contain) the email or its local part."""
    from flask import current_app, has_app_context

    if min_length is None:
        min_length = current_app.config.get("PASSWORD_MIN_LENGTH", DEFAULT_MIN_PASSWORD_LENGTH) \
            if has_app_context() else DEFAULT_MIN_PASSWORD_LENGTH
    password = password or ""
    if len(password) < min_length:
        raise ValidationError(f"Password must be at least {min_length} characters.", field="password")
    if len(password) > 1024:
        raise ValidationError("Password must be at most 1024 characters.", field="password")
    lowered = password.lower()
    local = normalize_email(email).split("@")[0]
    if lowered == normalize_email(email) or (len(local) >= 4 and local in lowered):
        raise ValidationError("Password must not contain your email address.", field="password")


def find_user(email: str | None) -> User | None:
    if not email:
        return None
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("User not found.", code="user_not_found")
    return user


def build_user(email: str, password: str | None, name: str = "", *, is_platform_admin: bool = False) -> User:
    """Add a new user to the current transaction (the caller commits). `password` None: set it later."""
    email = clean_email(email)
    name = (name or "").strip()
    if len(name) > 120:
        raise ValidationError("Name must be at most 120 characters.", field="name")
    if password is not None:
        check_password_policy(password, email)
    if find_user(email) is not None:
        raise EmailTaken("An account with this email already exists.", field="email")
    user = User(email=email, name=name, is_platform_admin=is_platform_admin)
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str | None, password: str | None) -> User | None:
    """The user whose email and password match, or None. Disabled accounts never match."""
    user = find_user(email)
    if user is None or not user.password_hash:
        # Spend the same effort as a real check so response times don't reveal which emails exist.
        from werkzeug.security import check_password_hash

        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not user.check_password(password or "") or user.is_disabled:
        return None
    return user


def note_login(user: User) -> None:
    with unit_of_work():
        user.last_login_at = utcnow()
        record("user.login", Actor.for_user(user), target_type="user", target_id=user.id)


def set_password(user: User, password: str, actor: Actor) -> None:
    """Change a password; every other session and outstanding reset link stops working."""
    check_password_policy(password, user.email)
    with unit_of_work():
        user.set_password(password)
        user.session_version = (user.session_version or 1) + 1
        record("user.password_changed", actor, target_type="user", target_id=user.id)


def create_platform_admin(email: str, password: str, actor: Actor, name: str = "") -> User:
    """Create a platform admin, or promote an existing user and set their password."""
    with unit_of_work():
        user = find_user(email)
        if user is None:
            user = build_user(email, password, name, is_platform_admin=True)
        else:
            check_password_policy(password, user.email)
            user.set_password(password)
            user.is_platform_admin = True
        record("platform.admin_granted", actor, target_type="user", target_id=user.id,
               details={"email": user.email})
    return user


def set_last_tenant(user: User, tenant_id: str) -> None:
    if user.last_tenant_id != tenant_id:
        user.last_tenant_id = tenant_id
        db.session.commit()


def count_platform_admins() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.is_platform_admin.is_(True), User.is_disabled.is_(False))) or 0


def password_reset_fingerprint(user: User) -> str:
    """Changes whenever the password or session version does, so a used reset link dies with it."""
    material = f"{user.id}:{user.session_version}:{user.password_hash or ''}".encode()
    return hmac.new(b"password-reset", material, hashlib.sha256).hexdigest()[:16]
