"""Two-factor authentication rules, with the clock pinned (never today's time, never sleep)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, RecoveryCode, UserTotp
from app.services import mfa
from app.services.audit import Actor
from app.services.errors import Conflict, InvalidCode, PermissionDenied
from tests import factories as f
from tests.mailbox import text_of

NOW = datetime(2026, 3, 15, 9, 0, 10, tzinfo=UTC)


def _enrolled(user, now=NOW):
    enrolment = mfa.begin_enrolment(user, now)
    codes = mfa.confirm_enrolment(user, pyotp.TOTP(enrolment.secret).at(now), Actor.for_user(user), now)
    return enrolment.secret, codes


def _actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_enrolment_is_confirmed_by_a_first_code_and_yields_ten_recovery_codes(app):
    olga = f.user("olga@acme.test")
    enrolment = mfa.begin_enrolment(olga, NOW)
    assert enrolment.uri.startswith("otpauth://totp/") and "olga%40acme.test" in enrolment.uri
    assert "issuer=Tenantry" in enrolment.uri
    assert not mfa.is_enabled(olga)

    codes = mfa.confirm_enrolment(olga, pyotp.TOTP(enrolment.secret).at(NOW), Actor.for_user(olga), NOW)

    assert mfa.is_enabled(olga)
    assert len(codes) == 10 == len(set(codes)) and all(len(c) == 11 and c[5] == "-" for c in codes)
    assert "mfa.enabled" in _actions()


def test_the_seed_is_encrypted_and_recovery_codes_are_hashed_at_rest(app):
    olga = f.user()
    secret, codes = _enrolled(olga)
    row = db.session.get(UserTotp, olga.id)
    assert secret not in row.secret_encrypted
    stored = set(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == olga.id)))
    assert len(stored) == 10
    assert not stored & {c.replace("-", "") for c in codes} and not stored & set(codes)


def test_a_wrong_first_code_leaves_two_factor_off(app):
    olga = f.user()
    mfa.begin_enrolment(olga, NOW)
    with pytest.raises(InvalidCode) as caught:
        mfa.confirm_enrolment(olga, "000000", Actor.for_user(olga), NOW)
    assert caught.value.field == "code"
    assert not mfa.is_enabled(olga) and mfa.pending_enrolment(olga) is not None


def test_enrolling_twice_is_refused(app):
    olga = f.user()
    _enrolled(olga)
    with pytest.raises(Conflict):
        mfa.begin_enrolment(olga, NOW)


@pytest.mark.parametrize(("offset", "accepted"), [(-60, False), (-30, True), (0, True), (30, True), (60, False)])
def test_a_code_is_good_for_its_step_and_one_step_either_side(app, offset, accepted):
    olga = f.user()
    secret, _ = _enrolled(olga, NOW - timedelta(minutes=5))
    code = pyotp.TOTP(secret).at(NOW + timedelta(seconds=offset))
    if accepted:
        assert mfa.verify(olga, code, Actor.for_user(olga), NOW) == "totp"
    else:
        with pytest.raises(InvalidCode):
            mfa.verify(olga, code, Actor.for_user(olga), NOW)


def test_a_code_never_works_twice_nor_does_an_older_one_after_it(app):
    olga = f.user()
    secret, _ = _enrolled(olga, NOW - timedelta(minutes=5))
    totp = pyotp.TOTP(secret)
    assert mfa.verify(olga, totp.at(NOW), Actor.for_user(olga), NOW) == "totp"
    with pytest.raises(InvalidCode) as replayed:
        mfa.verify(olga, totp.at(NOW), Actor.for_user(olga), NOW + timedelta(seconds=5))
    assert replayed.value.code == "code_already_used"
    with pytest.raises(InvalidCode):
        mfa.verify(olga, totp.at(NOW - timedelta(seconds=30)), Actor.for_user(olga), NOW + timedelta(seconds=5))
    assert mfa.verify(olga, totp.at(NOW + timedelta(seconds=30)), Actor.for_user(olga),
                      NOW + timedelta(seconds=30)) == "totp"


def test_the_enrolment_code_cannot_be_replayed_to_sign_in(app):
    olga = f.user()
    secret, _ = _enrolled(olga)
    with pytest.raises(InvalidCode):
        mfa.verify(olga, pyotp.TOTP(secret).at(NOW), Actor.for_user(olga), NOW)


def test_a_recovery_code_works_once_however_it_is_typed(app):
    olga = f.user()
    _, codes = _enrolled(olga)
    typed = " " + codes[3].upper().replace("-", " - ") + " "
    assert mfa.verify(olga, typed, Actor.for_user(olga), NOW) == "recovery"
    assert mfa.remaining_recovery_codes(olga) == 9
    with pytest.raises(InvalidCode):
        mfa.verify(olga, codes[3], Actor.for_user(olga), NOW)
    assert "mfa.recovery_code_used" in _actions()


def test_another_users_recovery_code_does_not_work(app):
    olga, mallory = f.user(), f.user()
    _enrolled(olga)
    _, mallorys = _enrolled(mallory)
    with pytest.raises(InvalidCode):
        mfa.verify(olga, mallorys[0], Actor.for_user(olga), NOW)


@pytest.mark.parametrize("code", ["", None, "12345", "1234567", "abc", "x" * 5000, "１２３４５６"])
def test_malformed_codes_are_simply_wrong(app, code):
    olga = f.user()
    _enrolled(olga)
    with pytest.raises(InvalidCode):
        mfa.verify(olga, code, Actor.for_user(olga), NOW + timedelta(minutes=1))


def test_new_recovery_codes_replace_the_old_ones(app):
    olga = f.user()
    secret, old = _enrolled(olga)
    later = NOW + timedelta(minutes=1)
    new = mfa.regenerate_recovery_codes(olga, pyotp.TOTP(secret).at(later), Actor.for_user(olga), later)
    assert not set(new) & set(old)
    with pytest.raises(InvalidCode):
        mfa.verify(olga, old[0], Actor.for_user(olga), later)
    assert mfa.verify(olga, new[0], Actor.for_user(olga), later) == "recovery"


def test_turning_two_factor_off_needs_a_code(app):
    olga = f.user()
    _, codes = _enrolled(olga)
    with pytest.raises(InvalidCode):
        mfa.disable(olga, "123456", Actor.for_user(olga), NOW + timedelta(minutes=1))
    assert mfa.is_enabled(olga)
    mfa.disable(olga, codes[0], Actor.for_user(olga), NOW + timedelta(minutes=1))
    assert not mfa.is_enabled(olga) and mfa.remaining_recovery_codes(olga) == 0
    assert "mfa.disabled" in _actions()


def test_a_platform_admin_resets_two_factor_the_user_is_emailed_and_it_is_audited(app, mailbox):
    olga, admin = f.user("olga@acme.test"), f.user("root@platform.test", admin=True)
    _enrolled(olga)
    mfa.admin_reset(olga, Actor.for_user(admin))
    assert not mfa.is_enabled(olga)
    message = mailbox.wait_for("olga@acme.test")
    assert message["Subject"] == "Two-factor authentication was turned off on your account"
    assert "root@platform.test" in text_of(message) and "http://portal.test/account/two-factor" in text_of(message)
    reset = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "mfa.reset")).one()
    assert reset.actor_user_id == admin.id and reset.target_id == str(olga.id)


def test_only_platform_admins_reset_two_factor(app):
    olga, bob = f.user(), f.user()
    _enrolled(olga)
    with pytest.raises(PermissionDenied):
        mfa.admin_reset(olga, Actor.for_user(bob))
    assert mfa.is_enabled(olga)


def test_a_remembered_device_lasts_thirty_days_and_can_be_forgotten(app, clock):
    traveller = clock(NOW)
    olga, mallory = f.user(), f.user()
    _enrolled(olga)
    token = mfa.remember_device_token(olga)
    assert mfa.is_remembered_device(olga, token)
    assert not mfa.is_remembered_device(mallory, token)
    assert not mfa.is_remembered_device(olga, token[:-2] + "xx")
    traveller.shift(timedelta(days=29, hours=23))
    assert mfa.is_remembered_device(olga, token)
    mfa.forget_devices(olga, Actor.for_user(olga))
    assert not mfa.is_remembered_device(olga, token)


def test_a_remembered_device_expires_after_thirty_days(app, clock):
    traveller = clock(NOW)
    olga = f.user()
    _enrolled(olga)
    token = mfa.remember_device_token(olga)
    traveller.shift(timedelta(days=30, seconds=1))
    assert not mfa.is_remembered_device(olga, token)
