"""API keys: shown once, stored hashed, bound to a tenant and a role, revocable."""

from __future__ import annotations

from app.extensions import db
from app.models import ApiKey
from app.services.api_keys import hash_secret


def test_key_secret_is_returned_once_and_stored_only_as_a_hash(world, api):
    created = api.post("/api/v1/tenants/acme/api-keys", headers=world.headers("admin"),
                       json={"name": "deploy bot", "role": "member"})
    assert created.status_code == 201
    body = created.get_json()
    secret = body["secret"]
    assert secret.startswith("sk_") and body["prefix"] == secret[:10]
    db.session.expire_all()
    stored = db.session.get(ApiKey, body["id"])
    assert stored.key_hash == hash_secret(secret) and secret not in str(vars(stored))
    listed = api.get("/api/v1/tenants/acme/api-keys", headers=world.headers("admin")).get_json()["items"]
    assert "secret" not in str(listed) and "deploy bot" in [k["name"] for k in listed]
    works = api.get("/api/v1/tenants/current", key=secret)
    assert works.status_code == 200 and works.get_json()["slug"] == "acme"


def test_revoked_key_is_refused(world, api):
    created = api.post("/api/v1/tenants/acme/api-keys", headers=world.headers("owner"), json={"name": "temp"}).get_json()
    assert api.delete(f"/api/v1/tenants/acme/api-keys/{created['id']}", headers=world.headers("owner")).status_code == 200
    refused = api.get("/api/v1/tenants/current", key=created["secret"])
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_admin_cannot_mint_a_key_above_its_role(world, api):
    response = api.post("/api/v1/tenants/acme/api-keys", headers=world.headers("admin"),
                        json={"name": "sneaky", "role": "owner"})
    assert response.status_code == 403


def test_another_tenants_key_cannot_be_revoked_here(world, api):
    theirs = db.session.query(ApiKey).filter_by(tenant_id=world.other.id).one()
    response = api.delete(f"/api/v1/tenants/acme/api-keys/{theirs.id}", headers=world.headers("owner"))
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiKey, theirs.id).revoked_at is None


def test_garbage_bearer_is_401(world, api):
    for header in ("Bearer sk_not-a-real-key", "Bearer ", "Basic dXNlcjpwYXNz", "sk_no-scheme"):
        response = api.get("/api/v1/tenants/current", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.get_json()["error"]["code"] in ("unauthorized", "invalid_token")


def test_cli_creates_a_platform_key_that_can_do_everything(world, api, runner):
    result = runner.invoke(args=["apikey", "create", "--platform", "--name", "ops"])
    assert result.exit_code == 0
    secret = result.stdout.strip().splitlines()[0]
    assert api.get("/api/v1/tenants/", key=secret).status_code == 200


def test_cli_lists_and_revokes_keys_without_showing_secrets(world, api, runner):
    listed = runner.invoke(args=["apikey", "list", "--tenant", "acme"])
    assert listed.exit_code == 0
    assert "owner key" in listed.stdout and world.keys["owner"] not in listed.stdout
    key_id = db.session.query(ApiKey).filter_by(tenant_id=world.tenant.id, name="viewer key").one().id
    revoked = runner.invoke(args=["apikey", "revoke", str(key_id), "--tenant", "acme"])
    assert revoked.exit_code == 0
    assert api.get("/api/v1/tenants/current", key=world.keys["viewer"]).status_code == 401
    assert "(revoked)" in runner.invoke(args=["apikey", "list", "--tenant", "acme", "--all"]).stdout
    wrong_tenant = runner.invoke(args=["apikey", "revoke", str(key_id), "--tenant", "globex"])
    assert wrong_tenant.exit_code != 0


def test_a_key_with_an_expiry_works_until_then_and_is_refused_after(world, api, clock):
    from datetime import UTC, datetime

    traveller = clock(datetime(2028, 2, 28, 23, 0, tzinfo=UTC))
    created = api.post("/api/v1/tenants/acme/api-keys", headers=world.headers("admin"),
                       json={"name": "leap-day job", "role": "viewer", "expires_at": "2028-02-29T23:59:59Z"})
    assert created.status_code == 201 and created.get_json()["expires_at"] == "2028-02-29T23:59:59+00:00"
    secret = created.get_json()["secret"]
    traveller.move_to(datetime(2028, 2, 29, 23, 59, 58, tzinfo=UTC))
    for _ in range(20):  # warm: the hot path serves it too, and must stop at the same instant
        assert api.get("/api/v1/tenants/current", key=secret).status_code == 200
    traveller.move_to(datetime(2028, 2, 29, 23, 59, 59, tzinfo=UTC))
    refused = api.get("/api/v1/tenants/current", key=secret)
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "api_key_expired"
    assert "expired on 2028-02-29 23:59 UTC" in refused.get_json()["error"]["message"]


def test_an_expiry_in_the_past_or_too_far_or_without_a_zone_is_a_field_error(world, api, clock):
    from datetime import UTC, datetime

    clock(datetime(2026, 12, 31, 12, tzinfo=UTC))
    for value, message in [("2026-12-31T11:59:59Z", "in the future"), ("2030-06-01T00:00:00Z", "three years"),
                           ("2027-01-01T00:00:00", "expires_at")]:
        answer = api.post("/api/v1/tenants/acme/api-keys", headers=world.headers("admin"),
                          json={"name": f"k {value}", "expires_at": value})
        assert answer.status_code == 422, value
        error = answer.get_json()["error"]
        assert message in str(error) and "expires_at" in str(error["details"])
    assert [k.name for k in db.session.query(ApiKey).filter(ApiKey.name.like("k %"))] == []


def test_key_names_are_unique_among_a_tenant_s_active_keys(world, api):
    first = api.post("/api/v1/tenants/acme/api-keys", headers=world.headers("admin"), json={"name": "Deploy"})
    assert first.status_code == 201
    again = api.post("/api/v1/tenants/acme/api-keys", headers=world.headers("admin"), json={"name": "deploy"})
    assert again.status_code == 422 and again.get_json()["error"]["code"] == "api_key_name_taken"
    # Another tenant may use the name, and a revoked key's name is free again.
    assert api.post("/api/v1/tenants/globex/api-keys", key=world.keys["other"], json={"name": "Deploy"}).status_code == 201
    api.delete(f"/api/v1/tenants/acme/api-keys/{first.get_json()['id']}", headers=world.headers("admin"))
    assert api.post("/api/v1/tenants/acme/api-keys", headers=world.headers("admin"), json={"name": "Deploy"}).status_code == 201
