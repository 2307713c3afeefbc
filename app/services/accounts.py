"""User accounts: registration, passwords, sign-in checks, platform admins."""

from __future__ import annotations

import hashlib
import hmac

import email_validator
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import User, normalize_email
from app.models.types import utcnow
from app.services.audit import Actor, record, record_now
from app.services.errors import EmailTaken, NotFound, ValidationError
from app.services.transaction import side_session, unit_of_work

DEFAULT_MIN_PASSWORD_LENGTH = 10
EMAIL_MAX_LENGTH = 254  # RFC 5321's limit on a forward path; the users.email column holds it
NAME_MAX_LENGTH = 120
TIMEZONE_MAX_LENGTH = 64  # the longest IANA zone name is 32; users.timezone holds 64
PASSWORD_MAX_LENGTH = 1024
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
        raise ValidationError(gettext("Email is required."), field=field)
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(gettext("%(value)s is not a valid email address: %(exc)s", value=repr(value), exc=exc), field=field) from None
    return value


def check_password_policy(password: str | None, email: str, min_length: int | None = None) -> None:
    """A password must be long enough and must not be (or contain) the email or its local part."""
    from flask import current_app, has_app_context

    if min_length is None:
        min_length = current_app.config.get("PASSWORD_MIN_LENGTH", DEFAULT_MIN_PASSWORD_LENGTH) \
            if has_app_context() else DEFAULT_MIN_PASSWORD_LENGTH
    password = password or ""
    if len(password) < min_length:
        raise ValidationError(gettext("Password must be at least %(min_length)s characters.", min_length=min_length), field="password")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise ValidationError(gettext("Password must be at most %(password_max_length)s characters.", password_max_length=PASSWORD_MAX_LENGTH), field="password")
    lowered = password.lower()
    address = normalize_email(email or "")
    local = address.split("@")[0]
    if address and address in lowered:
        raise ValidationError(gettext("Password must not contain your email address."), field="password")
    if len(local) >= 4 and local in lowered:
        # Say exactly what the rule found: the part before the @, not the whole address.
        raise ValidationError(gettext("Password must not contain “%(part)s”, the part of your email address "
                                      "before the @.", part=local), field="password")


def find_user(email: str | None) -> User | None:
    if not email:
        return None
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(gettext("User not found."), code="user_not_found")
    return user


def build_user(email: str, password: str | None, name: str = "", *, is_platform_admin: bool = False,
               email_verified: bool = False) -> User:
    """Add a new user to the current transaction (the caller commits). `password` None: set it later.
    `email_verified`: the caller knows the address is the person's (an invitation link, the operator)."""
    email = clean_email(email)
    name = (name or "").strip()
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(gettext("Name must be at most %(name_max_length)s characters.", name_max_length=NAME_MAX_LENGTH), field="name")
    if password is not None:
        check_password_policy(password, email)
    if find_user(email) is not None:
        raise EmailTaken(gettext("An account with this email already exists."), field="email")
    user = User(email=email, name=name, is_platform_admin=is_platform_admin,
                email_verified_at=utcnow() if email_verified else None)
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


def note_login(user: User, method: str = "password", ip: str | None = None,
               second_factor: str | None = None) -> None:
    """Audit a finished sign-in (how, and with which second factor if any) and when it happened."""
    details = {"method": method}
    if second_factor:
        details["second_factor"] = second_factor
    with unit_of_work():
        user.last_login_at = utcnow()
        record("user.login", Actor.for_user(user, ip=ip), target_type="user", target_id=user.id, details=details)


def set_password(user: User, password: str, actor: Actor, *, keep_session_token: str | None = None) -> None:
    """Change a password. Every session but `keep_session_token`'s (the one making the change),
    every access token issued before it, and every outstanding reset link stop working."""
    from app.services import sessions

    check_password_policy(password, user.email)
    with unit_of_work():
        user.set_password(password)
        user.session_version = (user.session_version or 1) + 1
        ended = sessions.end_all(user.id, except_token=keep_session_token)
        record("user.password_changed", actor, target_type="user", target_id=user.id,
               details={"sessions_ended": ended})


def forget_unproven_credentials(user: User, actor: Actor, *, how: str = "sso") -> None:
    """In the caller's transaction: an account whose address was never verified is being claimed by
    someone who proved it (an IdP on a verified domain). Its password, sessions and tokens, set by
    whoever signed up with the address, stop working; the address counts as verified from now on."""
    from app.services import sessions
    from app.services.email_verification import mark_verified

    user.password_hash = None
    user.session_version = (user.session_version or 1) + 1
    sessions.end_all(user.id)
    record("security.unproven_account_claimed", actor, target_type="user", target_id=user.id,
           details={"email": user.email})
    mark_verified(user, actor, how=how)


def create_platform_admin(email: str, password: str, actor: Actor, name: str = "") -> User:
    """Create a platform admin, or promote an existing user and set their password."""
    with unit_of_work():
        user = find_user(email)
        if user is None:
            user = build_user(email, password, name, is_platform_admin=True, email_verified=True)
        else:
            check_password_policy(password, user.email)
            user.set_password(password)
            user.is_platform_admin = True
        record("platform.admin_granted", actor, target_type="user", target_id=user.id,
               details={"email": user.email})
    return user


def set_last_tenant(user: User, tenant_id: str) -> None:
    """Remember where the user last worked (login lands there), in a transaction of its own."""
    if user.last_tenant_id != tenant_id:
        with side_session() as session:
            session.execute(update(User).where(User.id == user.id).values(last_tenant_id=tenant_id))
        set_committed_value(user, "last_tenant_id", tenant_id)


def count_platform_admins() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.is_platform_admin.is_(True), User.is_disabled.is_(False))) or 0


def password_reset_fingerprint(user: User) -> str:
    """Changes whenever the password or session version does, so a used reset link dies with it."""
    material = f"{user.id}:{user.session_version}:{user.password_hash or ''}".encode()
    return hmac.new(b"password-reset", material, hashlib.sha256).hexdigest()[:16]


# --- Password reset (the browser portal) ---------------------------------------------------------

PASSWORD_RESET_MAX_AGE = 3600  # seconds: a reset link works for one hour
_RESET_SALT = "password-reset"


def _reset_serializer():
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def password_reset_token(user: User) -> str:
    """A signed, timestamped link token naming the user and their current password fingerprint."""
    return _reset_serializer().dumps({"uid": user.id, "fp": password_reset_fingerprint(user)})


def request_password_reset(email: str | None) -> bool:
    """Email a reset link if an enabled account has this address; True if one was sent.

    Callers should answer the same either way, so the form cannot be used to probe addresses.
    """
    from app.services import emails
    from app.services.sso.enforcement import tenants_requiring_sso

    user = find_user(email)
    if user is None or user.is_disabled:
        return False
    if not user.is_platform_admin and tenants_requiring_sso(user):
        # Their organisation's IdP owns the credential: a reset link would bypass "Require SSO".
        record_now("security.password_reset_refused_sso_required", Actor.for_user(user), target_type="user",
                   target_id=user.id)
        return False
    with unit_of_work():
        record("user.password_reset_requested", Actor.for_user(user), target_type="user", target_id=user.id)
    return emails.send_password_reset(user, password_reset_token(user))


def user_for_reset_token(token: str | None, max_age: int = PASSWORD_RESET_MAX_AGE) -> User:
    """The user a reset link is for; `ValidationError` (code `reset_link_invalid`) if it is
    tampered, older than `max_age` seconds, or already used (the password changed since)."""
    from itsdangerous import BadSignature, SignatureExpired

    invalid = ValidationError(gettext("This password reset link is not valid any more. Links work once and for one hour; ask for a new one."), field="token", code="reset_link_invalid")
    if not token or len(token) > 500:
        raise invalid
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationError(gettext("This password reset link has expired (links work for one hour). Ask for a new one."),
                              field="token", code="reset_link_expired") from None
    except BadSignature:
        raise invalid from None
    if not isinstance(data, dict):
        raise invalid
    user = db.session.get(User, data.get("uid")) if isinstance(data.get("uid"), int) else None
    if user is None or user.is_disabled or not hmac.compare_digest(str(data.get("fp")),
                                                                     password_reset_fingerprint(user)):
        raise invalid
    return user


def reset_password(token: str, password: str, ip: str | None = None) -> User:
    """Set a new password through a reset link. The link dies with it, as do other sessions."""
    from app.services.email_verification import mark_verified

    user = user_for_reset_token(token)
    set_password(user, password, Actor.for_user(user, ip=ip))
    # The link reached the address: that proves it as well as a confirmation link would.
    with unit_of_work():
        mark_verified(user, Actor.for_user(user, ip=ip), how="password_reset")
    return user


# --- The account page ---------------------------------------------------------------------------

def update_profile(user: User, actor: Actor, *, name: str | None, locale: str | None,
                   timezone: str | None) -> User:
    """Change one's name, language and time zone (empty language / zone: follow the organisation)."""
    import zoneinfo

    from app.services.languages import SUPPORTED_LOCALES

    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [gettext("Name is required.")]
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = [gettext("Name must be at most 120 characters.")]
    locale = (locale or "").strip() or None
    if locale is not None and locale not in SUPPORTED_LOCALES:
        errors["locale"] = [gettext("Language must be one of %(supported_locales)s.", supported_locales=', '.join(SUPPORTED_LOCALES))]
    timezone = (timezone or "").strip() or None
    if timezone is not None and (len(timezone) > TIMEZONE_MAX_LENGTH or timezone not in zoneinfo.available_timezones()):
        errors["timezone"] = [gettext("Unknown time zone %(timezone)s; use an IANA name such as Europe/Berlin.", timezone=repr(timezone[:64]))]
    if errors:
        first = next(iter(errors))
        raise ValidationError(errors[first][0], field=first, details={"fields": errors})
    changes = {key: {"from": getattr(user, key), "to": value}
               for key, value in (("name", name), ("locale", locale), ("timezone", timezone))
               if getattr(user, key) != value}
    if changes:
        with unit_of_work():
            user.name, user.locale, user.timezone = name, locale, timezone
            record("user.profile_updated", actor, target_type="user", target_id=user.id,
                   details={"changes": changes})
    return user


def change_password(user: User, current_password: str | None, new_password: str | None, actor: Actor, *,
                    keep_session_token: str | None = None) -> None:
    """Change one's own password, proving the current one first; other sessions and earlier access
    tokens stop working (see `set_password`)."""
    if not user.check_password(current_password or ""):
        raise ValidationError(gettext("That is not your current password."), field="current_password",
                              code="wrong_password")
    if new_password and user.check_password(new_password):
        raise ValidationError(gettext("The new password must differ from the current one."), field="password")
    set_password(user, new_password or "", actor, keep_session_token=keep_session_token)
