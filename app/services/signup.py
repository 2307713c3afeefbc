"""Self-service sign-up: a new account and its own organisation, together.

Its own module because it orchestrates two others (accounts, tenants) that must not import each
other: tenants needs accounts (an owner), and sign-up needs both.

Sign-up never reveals whether an address has an account: for a taken address it checks the form
just as for a new one, then emails the address's owner instead of creating anything, and the
caller answers both the same way ("check your inbox"). The new account starts unverified and is
emailed a confirmation link (`services.email_verification`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from werkzeug.security import generate_password_hash

from app import placement
from app.models import Tenant, User
from app.services import accounts, email_verification, emails, tenants
from app.services.audit import Actor, record, record_now
from app.services.errors import DomainError, ValidationError
from app.services.field_errors import FieldErrors
from app.services.transaction import unit_of_work


@dataclass(frozen=True)
class SignUpResult:
    """What sign-up did. Callers show the same page either way; only `email` is for the page."""

    email: str
    user: User | None = None  # None: the address had an account, whose owner was emailed
    tenant: Tenant | None = None


def sign_up(name: str, email: str, password: str, organisation: str, slug: str | None = None,
            ip: str | None = None) -> SignUpResult:
    """Create an unverified user and their own tenant on the Free plan, the user as owner, in one
    transaction, and email them a confirmation link; for an address that has an account, email its
    owner instead. Form errors are the same in both cases.

    Either both user and tenant exist afterwards or neither does: a taken slug leaves no orphan account.
    """
    email = check_sign_up(name, email, password, organisation, slug)
    name = (name or "").strip()
    existing = accounts.find_user(email)
    if existing is not None:
        _check_like_a_new_sign_up(name, email, password, organisation, slug)
        record_now("security.sign_up_with_existing_email", Actor(label="anonymous", ip=ip), target_type="user",
                   target_id=existing.id)
        emails.send_sign_up_attempt(existing)
        return SignUpResult(email)
    with unit_of_work():
        user = accounts.build_user(email, password, name)
        actor = Actor.for_user(user, ip=ip)
        record("user.signed_up", actor, target_type="user", target_id=user.id, details={"email": user.email})
        tenant = tenants.build_tenant(organisation, slug, user, "free", actor)
        user.last_tenant_id = tenant.id
    placement.provision(tenant)
    email_verification.send_verification(user)
    return SignUpResult(email, user, tenant)


def check_sign_up(name: str, email: str, password: str, organisation: str, slug: str | None = None) -> str:
    """Every field of a sign-up checked at once (name, email, password, organisation, address):
    one `ValidationError` naming each bad field; returns the clean email. Whether the address
    has an account is not among the checks (sign-up never tells)."""
    errors = FieldErrors()
    name = (name or "").strip()
    if not name:
        errors.add("name", gettext("Name is required."))
    elif len(name) > accounts.NAME_MAX_LENGTH:
        errors.add("name", gettext("Name must be at most %(name_max_length)s characters.",
                                   name_max_length=accounts.NAME_MAX_LENGTH))
    address = errors.check(lambda: accounts.clean_email(email))
    errors.check(lambda: accounts.check_password_policy(password, address or email or ""))
    try:
        tenants.check_new_tenant(organisation, slug)
    except DomainError as exc:  # a taken address too: it is the same answer for everyone
        errors.add("organisation" if exc.field == "name" else (exc.field or "slug"), exc.message)
    errors.raise_if_any()
    return address or ""


def _check_like_a_new_sign_up(name: str, email: str, password: str, organisation: str, slug: str | None) -> None:
    """Raise what a new address's sign-up would raise for these fields, spending the same password
    hashing effort, so neither errors nor timing tell a taken address from a free one."""
    from flask import current_app

    if len(name) > accounts.NAME_MAX_LENGTH:
        raise ValidationError(gettext("Name must be at most %(name_max_length)s characters.", name_max_length=accounts.NAME_MAX_LENGTH), field="name")
    accounts.check_password_policy(password, email)
    generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))
    tenants.check_new_tenant(organisation, slug)
