"""Proving an address is one's own: the signed, single-use link a new account is emailed.

An account whose address is not verified can sign in and work in its own organisations, but
nobody may add it to another tenant directly (`invitations.add_or_invite` invites it instead), so
signing up as `newhire@victim.test` before the real person gains nothing. Any emailed link that
reaches the address proves it too: an accepted invitation, a password reset (`mark_verified`).
"""

from __future__ import annotations

import hashlib
import hmac

from flask_babel import gettext

from app.extensions import db
from app.models import User
from app.models.types import utcnow
from app.services.audit import Actor, record
from app.services.errors import ValidationError
from app.services.transaction import unit_of_work

VERIFICATION_MAX_AGE = 3 * 24 * 3600  # seconds: a link works for three days
_SALT = "email-verification"


def _serializer():
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: User) -> str:
    """Changes when the address or its verification does, so a used (or outdated) link dies."""
    material = f"{user.id}:{user.email}:{user.email_verified_at or ''}".encode()
    return hmac.new(b"email-verification", material, hashlib.sha256).hexdigest()[:16]


def verification_token(user: User) -> str:
    """A signed, timestamped token naming the user and the address as it is now."""
    return _serializer().dumps({"uid": user.id, "fp": _fingerprint(user)})


def send_verification(user: User) -> bool:
    """Email `user` a link that verifies their address; False if it is verified already or not sent."""
    from app.services import emails

    if user.is_email_verified or user.is_disabled:
        return False
    return emails.send_email_verification(user, verification_token(user))


def mark_verified(user: User, actor: Actor, *, how: str) -> None:
    """Record, in the caller's transaction, that `user` proved the address (`how`: the link it came by)."""
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        record("user.email_verified", actor, target_type="user", target_id=user.id,
               details={"email": user.email, "how": how})


def verify(token: str | None, ip: str | None = None, max_age: int = VERIFICATION_MAX_AGE) -> User:
    """Verify the address a link was sent to; `ValidationError` (code `verification_link_invalid` or
    `verification_link_expired`) if it is tampered, too old, or already used."""
    from itsdangerous import BadSignature, SignatureExpired

    invalid = ValidationError(gettext("This confirmation link is not valid any more. Links work once and for three days; sign in to have a new one sent."), field="token", code="verification_link_invalid")
    if not token or len(token) > 500:
        raise invalid
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationError(gettext("This confirmation link has expired (links work for three days). Sign in to have a new one sent."), field="token", code="verification_link_expired") from None
    except BadSignature:
        raise invalid from None
    uid = data.get("uid") if isinstance(data, dict) else None
    user = db.session.get(User, uid) if isinstance(uid, int) else None
    if user is None or user.is_disabled or not hmac.compare_digest(str(data.get("fp")), _fingerprint(user)):
        raise invalid
    with unit_of_work():
        mark_verified(user, Actor.for_user(user, ip=ip), how="verification_link")
    return user
