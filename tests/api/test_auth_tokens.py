"""POST /auth/token and the rules every access token must pass (attacks included)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from app.api.tokens import signing_key
from app.extensions import db
from app.models.types import utcnow
from tests import factories
from tests.factories import PASSWORD


def issue(api, email: str, password: str = PASSWORD, **extra):
    return api.post("/api/v1/auth/token", json={"email": email, "password": password, **extra})


def claims_for(app, user, **overrides):
    now = utcnow()
    claims = {"iss": app.config["JWT_ISSUER"], "aud": app.config["JWT_AUDIENCE"], "sub": str(user.id),
              "iat": now, "exp": now + timedelta(minutes=5), "ver": user.session_version, "tenant_id": None}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not ...}


def test_password_gets_a_short_lived_token_that_works(world, api, app):
    response = issue(api, "admin@acme.test")
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == app.config["JWT_TTL_SECONDS"]
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert {"iss", "aud", "exp", "sub", "tenant_id"} <= set(claims)
    assert claims["sub"] == str(world.users["admin"].id)
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert api.get("/api/v1/tenants/acme/users", headers=headers).status_code == 200


def test_token_limited_to_a_tenant_names_it(world, api):
    token = issue(api, "admin@acme.test", tenant="acme").get_json()
    assert token["tenant_id"] == world.tenant.id
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    current = api.get("/api/v1/tenants/current", headers=headers)
    assert current.status_code == 200 and current.get_json()["slug"] == "acme"


def test_token_for_a_tenant_one_does_not_belong_to_is_404(world, api):
    response = issue(api, "admin@acme.test", tenant="globex")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "tenant_not_found"


def test_wrong_password_and_unknown_email_are_the_same_401(world, api):
    wrong = issue(api, "admin@acme.test", "not-the-password")
    unknown = issue(api, "nobody@acme.test")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()


def test_token_limited_to_one_tenant_conflicts_with_a_path_naming_another(world, api):
    factories.member(world.other, "member", world.users["admin"])
    token = issue(api, "admin@acme.test", tenant="acme").get_json()["access_token"]
    response = api.get("/api/v1/tenants/globex/users", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "tenant_conflict"


def _forged(app, user, **overrides):
    return jwt.encode(claims_for(app, user, **overrides), signing_key(), algorithm="HS256")


def _unsigned(app, user) -> str:
    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data, default=str).encode()).rstrip(b"=").decode()

    now = int(utcnow().timestamp())
    payload = {**claims_for(app, user), "iat": now, "exp": now + 300}
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}."


ATTACKS = {
    "alg none": lambda app, user: _unsigned(app, user),
    "wrong key": lambda app, user: jwt.encode(claims_for(app, user), "another-secret-of-32-bytes-or-more!!",
                                              algorithm="HS256"),
    "expired": lambda app, user: _forged(app, user, iat=utcnow() - timedelta(hours=2),
                                         exp=utcnow() - timedelta(hours=1)),
    "wrong audience": lambda app, user: _forged(app, user, aud="someone-else"),
    "wrong issuer": lambda app, user: _forged(app, user, iss="evil"),
    "no expiry": lambda app, user: _forged(app, user, exp=...),
    "HS512 with our key": lambda app, user: jwt.encode(claims_for(app, user), signing_key(), algorithm="HS512"),
    "tampered payload": lambda app, user: _tampered(app, user),
    "stale password version": lambda app, user: _forged(app, user, ver=user.session_version - 1),
    "unknown user": lambda app, user: _forged(app, user, sub="999999"),
}


def _tampered(app, user) -> str:
    header, payload, signature = _forged(app, user).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = str(int(claims["sub"]) + 1)  # somebody else, signature unchanged
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged_payload}.{signature}"


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_bad_tokens_are_401(world, api, app, attack):
    token = ATTACKS[attack](app, world.users["owner"])
    response = api.get("/api/v1/tenants/acme", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, attack
    assert response.get_json()["error"]["code"] == "invalid_token"


def test_the_same_forged_claims_with_the_right_key_do_work(world, api, app):
    """The control for the attacks above: a correctly signed token passes."""
    response = api.get("/api/v1/tenants/acme", headers={"Authorization": f"Bearer {_forged(app, world.users['owner'])}"})
    assert response.status_code == 200


def test_changing_the_password_revokes_tokens(world, api, app):
    token = issue(api, "owner@acme.test").get_json()["access_token"]
    owner = world.users["owner"]
    owner.session_version += 1
    db.session.commit()
    assert api.get("/api/v1/tenants/acme", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_disabled_account_cannot_use_its_token(world, api):
    token = issue(api, "viewer@acme.test").get_json()["access_token"]
    world.users["viewer"].is_disabled = True
    db.session.commit()
    assert api.get("/api/v1/tenants/acme", headers={"Authorization": f"Bearer {token}"}).status_code == 401


# --- Two-factor accounts ---------------------------------------------------------------------------

@pytest.fixture
def two_factor_admin(world, clock):
    import pyotp

    from app.services import mfa
    from app.services.audit import Actor

    traveller = clock(datetime(2026, 3, 15, 9, 0, 5, tzinfo=UTC))
    admin = world.users["admin"]
    enrolment = mfa.begin_enrolment(admin)
    codes = mfa.confirm_enrolment(admin, pyotp.TOTP(enrolment.secret).now(), Actor.for_user(admin))
    traveller.shift(timedelta(seconds=30))
    return pyotp.TOTP(enrolment.secret), codes


def test_an_account_with_two_factor_needs_a_code_for_a_token(world, api, two_factor_admin):
    totp, _ = two_factor_admin
    missing = issue(api, "admin@acme.test")
    assert missing.status_code == 401 and missing.get_json()["error"]["code"] == "otp_required"
    wrong = issue(api, "admin@acme.test", otp="000000")
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "invalid_otp"

    good = issue(api, "admin@acme.test", otp=totp.now(), tenant="acme")
    assert good.status_code == 200
    assert jwt.decode(good.get_json()["access_token"], options={"verify_signature": False})["mfa"] is True
    replayed = issue(api, "admin@acme.test", otp=totp.now())
    assert replayed.status_code == 401 and replayed.get_json()["error"]["code"] == "invalid_otp"


def test_a_recovery_code_gets_a_token_once(world, api, two_factor_admin):
    _, codes = two_factor_admin
    assert issue(api, "admin@acme.test", otp=codes[0]).status_code == 200
    assert issue(api, "admin@acme.test", otp=codes[0]).status_code == 401


def test_a_token_of_a_password_only_account_says_no_second_factor(world, api):
    body = issue(api, "viewer@acme.test").get_json()
    assert jwt.decode(body["access_token"], options={"verify_signature": False})["mfa"] is False


def test_a_token_with_a_second_factor_enters_a_tenant_that_requires_one(world, api, two_factor_admin):
    from app.services import tenants
    from app.services.audit import Actor

    totp, _ = two_factor_admin
    tenants.update_tenant(world.tenant, Actor.system(), require_2fa=True)
    token = issue(api, "admin@acme.test", otp=totp.now(), tenant="acme").get_json()["access_token"]
    assert api.get("/api/v1/tenants/acme/users", headers={"Authorization": f"Bearer {token}"}).status_code == 200


# --- Issue 9, finding 8: a platform admin's tenant token is a tenant token ---------------------

def _platform_admin_of_acme(world):
    admin = factories.user("root@acme.test", admin=True)
    factories.member(world.tenant, "admin", admin)
    return admin


def test_platform_admins_tenant_token_has_no_platform_powers(world, api):
    _platform_admin_of_acme(world)
    token = issue(api, "root@acme.test", tenant="acme").get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    listed = api.get("/api/v1/tenants/", headers=headers)
    assert listed.status_code == 403 and listed.get_json()["error"]["code"] == "token_tenant_scoped"
    created = api.post("/api/v1/tenants/", headers=headers, json={"name": "Evil", "slug": "evil"})
    assert created.status_code == 403
    # DELETE /tenants/{id} is a tenant route (owners delete their own, as in Settings): a token for
    # acme naming globex in the path is two sources naming two tenants.
    deleted = api.delete("/api/v1/tenants/globex", headers=headers)
    assert deleted.status_code == 400 and deleted.get_json()["error"]["code"] == "tenant_conflict"
    assert db.session.get(type(world.other), world.other.id).deleted_at is None
    # ...nor any other tenant, though the account is a platform admin (the token names acme)
    for path in ("/api/v1/tenants/globex/users", "/api/v1/tenants/globex"):
        other = api.get(path, headers=headers)
        assert other.status_code == 400 and other.get_json()["error"]["code"] == "tenant_conflict"
    assert api.get("/api/v1/tenants/current", headers={**headers, "X-Tenant-ID": "globex"}).status_code == 400
    # ...and in its own tenant it acts with the account's role there
    assert api.get("/api/v1/tenants/acme/users", headers=headers).status_code == 200


def test_platform_admins_unscoped_token_keeps_platform_powers(world, api):
    _platform_admin_of_acme(world)
    token = issue(api, "root@acme.test").get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/tenants/", headers=headers).status_code == 200
    assert api.get("/api/v1/tenants/globex/users", headers=headers).status_code == 200


def test_platform_admin_cannot_scope_a_token_to_a_tenant_they_are_not_in(world, api):
    factories.user("root@example.test", admin=True)
    response = issue(api, "root@example.test", tenant="globex")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "not_a_member"
