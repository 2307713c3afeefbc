"""Two-factor authentication: TOTP (RFC 6238) with single-use recovery codes and remembered devices.

- Enrolment creates an unconfirmed authenticator; the first valid code confirms it and yields ten
  recovery codes, shown once and stored only as keyed hashes.
- A code is accepted for the current 30-second step or one step either side, and never twice:
  the step it was accepted for is stored, and only a later step can succeed afterwards (claimed
  with one conditional UPDATE, so two requests racing with the same code cannot both win).
- "Remember this device": a signed cookie naming the user and their `device_key`; a new key (on
  "forget devices", disabling or resetting) makes every such cookie worthless.
Time is an argument (`now`), so tests pin it.
"""

from __future__ import annotations

import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from flask import current_app
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.models import RecoveryCode, User, UserTotp
from app.models.types import utcnow
from app.services import secret_box
from app.services.audit import Actor, record
from app.services.errors import Conflict, InvalidCode, PermissionDenied, ValidationError
from app.services.transaction import unit_of_work

STEP_SECONDS = 30
VALID_WINDOW = 1  # steps either side of now: clocks drift and people type slowly
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read off paper without doubt
DEFAULT_REMEMBER_DAYS = 30
_CODE_PURPOSE = "recovery-code"
_DEVICE_SALT = "remember-device"


@dataclass(frozen=True)
class Enrolment:
    """An authenticator being set up: the seed to type in and the otpauth:// URI a QR code carries."""

    secret: str
    uri: str


def _authenticator(user: User) -> UserTotp | None:
    return db.session.get(UserTotp, user.id)


def is_enabled(user: User) -> bool:
    """Whether `user` signs in with a second factor."""
    found = _authenticator(user)
    return found is not None and found.confirmed_at is not None


def _issuer() -> str:
    return current_app.config.get("MFA_ISSUER") or current_app.config.get("PRODUCT_NAME", "Tenantry")


def _enrolment(user: User, secret: str) -> Enrolment:
    return Enrolment(secret, pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=user.email, issuer_name=_issuer()))


def begin_enrolment(user: User, now: datetime | None = None) -> Enrolment:
    """Start (or restart) setting up an authenticator; a new seed each time."""
    found = _authenticator(user)
    if found is not None and found.confirmed_at is not None:
        raise Conflict(gettext("Two-factor authentication is already on."), code="mfa_already_enabled")
    secret = pyotp.random_base32()
    with unit_of_work():
        if found is None:
            found = UserTotp(user_id=user.id)
            db.session.add(found)
        found.secret_encrypted = secret_box.seal(secret)
        found.created_at = now or utcnow()
        found.last_used_step = 0
        found.device_key = secrets.token_hex(16)
    return _enrolment(user, secret)


def pending_enrolment(user: User) -> Enrolment | None:
    """The set-up in progress, if any (to show its QR code again after a mistyped code)."""
    found = _authenticator(user)
    if found is None or found.confirmed_at is not None:
        return None
    return _enrolment(user, secret_box.unseal(found.secret_encrypted))


def _clean_code(code: str | None) -> str:
    """Spaces and dashes dropped, lower case, full-width digits (an IME's) as ASCII; "" if not ASCII."""
    cleaned = unicodedata.normalize("NFKC", "".join((code or "")[:64].split())).replace("-", "").lower()
    return cleaned if cleaned.isascii() else ""


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second step (now, or one either side) whose TOTP is `code`, else None."""
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        moment = now + timedelta(seconds=offset * STEP_SECONDS)
        if hmac.compare_digest(totp.at(moment), code):
            return totp.timecode(moment)
    return None


def _wrong_code() -> InvalidCode:
    return InvalidCode(gettext("That code is not right. Enter the 6-digit code your authenticator app shows now, or one of your recovery codes."), field="code")


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    """Replace the user's recovery codes with ten new ones (in the caller's transaction)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(user, code), created_at=now))
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _hash_code(user: User, code: str) -> str:
    return secret_box.keyed_hash(f"{user.id}:{code}", _CODE_PURPOSE)


def confirm_enrolment(user: User, code: str | None, actor: Actor, now: datetime | None = None) -> list[str]:
    """Turn the authenticator on with its first code; returns the recovery codes (shown once)."""
    now = now or utcnow()
    found = _authenticator(user)
    if found is None or found.confirmed_at is not None:
        raise ValidationError(gettext("There is no set-up in progress; start again."), field="code",
                              code="mfa_enrolment_missing")
    cleaned = _clean_code(code)
    step = _matching_step(secret_box.unseal(found.secret_encrypted), cleaned, now) \
        if cleaned.isdigit() and len(cleaned) == 6 else None
    if step is None:
        raise InvalidCode(gettext("That code is not right. Check the time on your phone and enter the 6-digit code your authenticator app shows now."), field="code")
    with unit_of_work():
        found.confirmed_at = now
        found.last_used_step = step
        codes = _new_recovery_codes(user, now)
        record("mfa.enabled", actor, target_type="user", target_id=user.id)
    return codes


def verify(user: User, code: str | None, actor: Actor, now: datetime | None = None) -> str:
    """Check a second factor: a current TOTP code or an unused recovery code (which is then used up).

    Returns "totp" or "recovery"; `InvalidCode` for anything else, including a code that
    already worked once.
    """
    now = now or utcnow()
    found = _authenticator(user)
    if found is None or found.confirmed_at is None:
        raise _wrong_code()
    cleaned = _clean_code(code)
    if cleaned.isdigit() and len(cleaned) == 6:
        step = _matching_step(secret_box.unseal(found.secret_encrypted), cleaned, now)
        if step is None:
            raise _wrong_code()
        with unit_of_work():
            claimed = db.session.execute(
                update(UserTotp).where(UserTotp.user_id == user.id, UserTotp.last_used_step < step)
                .values(last_used_step=step).execution_options(synchronize_session=False)).rowcount
        if not claimed:
            raise InvalidCode(gettext("That code was already used. Wait for your app to show the next one."),
                              field="code", code="code_already_used")
        db.session.expire(found)
        return "totp"
    if len(cleaned) != 10:
        raise _wrong_code()
    with unit_of_work():
        claimed = db.session.execute(
            update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
                                       RecoveryCode.code_hash == _hash_code(user, cleaned))
            .values(used_at=now).execution_options(synchronize_session=False)).rowcount
        if claimed:
            record("mfa.recovery_code_used", actor, target_type="user", target_id=user.id,
                   details={"remaining": remaining_recovery_codes(user)})
    if not claimed:
        raise _wrong_code()
    return "recovery"


def users_with_two_factor(user_ids: list[int]) -> set[int]:
    """Which of these users have two-factor authentication on (one query, for lists)."""
    if not user_ids:
        return set()
    return set(db.session.scalars(select(UserTotp.user_id).where(
        UserTotp.user_id.in_(user_ids), UserTotp.confirmed_at.is_not(None))))


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def regenerate_recovery_codes(user: User, code: str | None, actor: Actor, now: datetime | None = None) -> list[str]:
    """New recovery codes for old ones (after a current code): every earlier code stops working."""
    now = now or utcnow()
    verify(user, code, actor, now)
    with unit_of_work():
        codes = _new_recovery_codes(user, now)
        record("mfa.recovery_codes_regenerated", actor, target_type="user", target_id=user.id)
    return codes


def _remove(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(UserTotp).where(UserTotp.user_id == user.id))


def disable(user: User, code: str | None, actor: Actor, now: datetime | None = None) -> None:
    """Turn two-factor authentication off; needs a current code or a recovery code."""
    verify(user, code, actor, now)
    with unit_of_work():
        _remove(user)
        record("mfa.disabled", actor, target_type="user", target_id=user.id)


def admin_reset(user: User, actor: Actor) -> None:
    """A platform admin removes a user's second factor (lost phone and codes): audited, and the user
    is told by email, so a reset they did not ask for does not go unnoticed."""
    from app.services import emails

    if not actor.is_platform_admin:
        raise PermissionDenied(gettext("Only platform admins can reset two-factor authentication."))
    if _authenticator(user) is None:
        raise ValidationError(gettext("%(email)s does not use two-factor authentication.", email=user.email), field="user",
                              code="mfa_not_enabled")
    from app.services import sessions

    with unit_of_work():
        _remove(user)
        # Its sessions passed the factor just removed; they must not keep counting as two-factor ones.
        ended = sessions.end_all(user.id)
        record("mfa.reset", actor, target_type="user", target_id=user.id,
               details={"email": user.email, "sessions_ended": ended})
    emails.send_two_factor_reset(user, actor.label)


# --- Remembered devices ----------------------------------------------------------------------------

def remember_days() -> int:
    return int(current_app.config.get("MFA_REMEMBER_DAYS") or DEFAULT_REMEMBER_DAYS)


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_DEVICE_SALT)


def remember_device_token(user: User) -> str:
    """The signed value of a "remember this device" cookie for `user`."""
    found = _authenticator(user)
    if found is None or found.confirmed_at is None:
        raise ValidationError(gettext("Two-factor authentication is off."), code="mfa_not_enabled")
    return _device_serializer().dumps({"u": user.id, "k": found.device_key})


def is_remembered_device(user: User, token: str | None) -> bool:
    """Whether `token` is a live "remember this device" cookie of `user` (at most MFA_REMEMBER_DAYS old)."""
    found = _authenticator(user)
    if not token or len(token) > 500 or found is None or found.confirmed_at is None:
        return False
    try:
        data = _device_serializer().loads(token, max_age=remember_days() * 86400)
    except BadSignature:
        return False
    return isinstance(data, dict) and data.get("u") == user.id and hmac.compare_digest(
        str(data.get("k")), found.device_key)


def forget_devices(user: User, actor: Actor) -> None:
    """Every remembered device asks for a code again at its next sign-in."""
    found = _authenticator(user)
    if found is None:
        return
    with unit_of_work():
        found.device_key = secrets.token_hex(16)
        record("mfa.devices_forgotten", actor, target_type="user", target_id=user.id)
