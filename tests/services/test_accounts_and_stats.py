"""Accounts (emails, passwords, sign-in) and fleet statistics."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.services import accounts, stats
from app.services.errors import EmailTaken, ValidationError
from tests import factories as f


def test_emails_are_unique_case_insensitively(app):
    f.user("Case@Example.test")
    with pytest.raises(EmailTaken):
        f.user("case@EXAMPLE.test")
    assert accounts.find_user("CASE@example.TEST") is not None


@pytest.mark.parametrize("email", ["", "no-at-sign", "two@@example.test", "space in@example.test"])
def test_bad_emails_are_refused(app, email):
    with pytest.raises(ValidationError) as exc:
        accounts.clean_email(email)
    assert exc.value.field == "email"


@pytest.mark.parametrize("password, complaint", [
    ("short", "at least 10"),
    ("jordan-secret-123", "email"),
    ("jordan@example.test", "email"),
])
def test_password_policy(app, password, complaint):
    with pytest.raises(ValidationError) as exc:
        accounts.check_password_policy(password, "jordan@example.test")
    assert complaint in exc.value.message and exc.value.field == "password"


def test_passwords_are_stored_with_scrypt_and_checked(app):
    user = f.user("hash@example.test", password="a-good-long-password")
    assert user.password_hash.startswith("scrypt:") and "a-good-long-password" not in user.password_hash
    assert accounts.authenticate("HASH@example.test", "a-good-long-password").id == user.id
    assert accounts.authenticate("hash@example.test", "wrong-password!") is None
    assert accounts.authenticate("nobody@example.test", "a-good-long-password") is None


def test_disabled_users_cannot_sign_in(app):
    user = f.user("off@example.test", password="a-good-long-password")
    user.is_disabled = True
    db.session.commit()
    assert accounts.authenticate("off@example.test", "a-good-long-password") is None


def test_password_change_invalidates_other_sessions_and_earlier_access_tokens(app):
    from app.api.tokens import issue_token, principal_from_jwt
    from app.services import sessions
    from app.services.audit import Actor
    from app.services.errors import Unauthorized

    user = f.user()
    current, _ = sessions.start(user, method="password")
    other, _ = sessions.start(user, method="password")
    db.session.commit()
    token, _ttl = issue_token(user)
    accounts.set_password(user, "another-long-password", Actor.for_user(user), keep_session_token=current)
    assert sessions.resume(current) is not None and sessions.resume(other) is None
    with pytest.raises(Unauthorized):
        principal_from_jwt(token)


def test_fleet_stats_aggregate_by_status_and_plan_with_mrr(app):
    f.tenant(plan="basic", status="active")
    f.tenant(plan="pro", status="active")
    f.tenant(plan="pro", status="trial")        # trials pay nothing yet
    f.tenant(plan="basic", status="suspended")  # nor do suspended tenants
    f.tenant(plan="enterprise", status="active")  # custom price: outside the catalogue
    f.tenant(plan="free", status="deleted")
    result = stats.fleet_stats()
    assert result.tenants_total == 6
    assert result.tenants_by_status == {"active": 3, "trial": 1, "suspended": 1, "deleted": 1}
    assert result.tenants_by_plan == {"basic": 2, "pro": 2, "enterprise": 1}
    assert result.mrr_cents == 9_900 + 29_900
    assert result.users_total == 6
