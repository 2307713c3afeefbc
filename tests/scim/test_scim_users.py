"""SCIM Users: provisioning adds a membership (quota-counted), deprovisioning removes it and ends the
person's sessions, the account and audit trail stay; filters, paging, ETags and errors as RFC 7644 says."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEvent, ScimUser, TenantUser, User
from tests.scim.conftest import user_body


def test_create_get_and_filter_a_user(scim, acme):
    created = scim.post("/Users", user_body("bjensen@acme.test", external_id="ext-1"))
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert body["userName"] == "bjensen@acme.test" and body["active"] is True and body["externalId"] == "ext-1"
    assert created.headers["Location"].endswith(f"/scim/v2/acme/Users/{body['id']}")
    assert created.headers["ETag"] == body["meta"]["version"]
    account = db.session.query(User).filter_by(email="bjensen@acme.test").one()
    assert account.name == "Barbara Jensen" and account.password_hash is None
    assert db.session.query(TenantUser).filter_by(tenant_id=acme.id, user_id=account.id).one().role == "member"
    fetched = scim.get(f"/Users/{body['id']}")
    assert fetched.status_code == 200 and fetched.get_json()["name"]["familyName"] == "Jensen"
    found = scim.get('/Users?filter=userName eq "BJENSEN@acme.test"').get_json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == body["id"]
    assert scim.get('/Users?filter=externalId eq "ext-1"').get_json()["totalResults"] == 1
    assert scim.get('/Users?filter=userName eq "nobody@acme.test"').get_json()["totalResults"] == 0


def _membership(acme, email):
    account = db.session.query(User).filter_by(email=email).one()
    return db.session.query(TenantUser).filter_by(tenant_id=acme.id, user_id=account.id).one_or_none()


def test_deactivating_removes_the_membership_and_ends_sessions_at_once_keeping_the_account(scim, acme, client):
    from app.services import sessions
    from tests.conftest import login

    user_id = scim.post("/Users", user_body("carol@acme.test")).get_json()["id"]
    account = db.session.query(User).filter_by(email="carol@acme.test").one()
    login(client, account)
    assert client.get("/t/acme/members").status_code == 200

    patched = scim.patch(f"/Users/{user_id}", [{"op": "replace", "value": {"active": False}}])
    assert patched.status_code == 200 and patched.get_json()["active"] is False
    assert _membership(acme, "carol@acme.test") is None
    assert sessions.list_sessions(account.id) == []
    assert client.get("/t/acme/members").status_code in (302, 401, 404)
    # The account and the SCIM user stay; the audit names the token.
    assert db.session.query(User).filter_by(email="carol@acme.test").one()
    assert scim.get(f"/Users/{user_id}").get_json()["active"] is False
    event = db.session.query(AuditEvent).filter_by(action="scim.user_deactivated").one()
    assert event.actor_label.startswith("scim-token:") and event.tenant_id == acme.id

    # Reactivating gives the membership back.
    assert scim.patch(f"/Users/{user_id}", [{"op": "Replace", "path": "active", "value": True}]).status_code == 200
    assert _membership(acme, "carol@acme.test").role == "member"


def test_delete_removes_the_membership_but_keeps_the_account_and_history(scim, acme):
    user_id = scim.post("/Users", user_body("dan@acme.test")).get_json()["id"]
    assert scim.delete(f"/Users/{user_id}").status_code == 204
    assert _membership(acme, "dan@acme.test") is None
    assert scim.get(f"/Users/{user_id}").status_code == 404
    assert db.session.query(User).filter_by(email="dan@acme.test").count() == 1
    actions = {e.action for e in db.session.query(AuditEvent).filter_by(tenant_id=acme.id)}
    assert {"scim.user_provisioned", "member.added", "scim.user_deleted", "member.removed"} <= actions


def test_a_full_users_quota_refuses_with_a_scim_error_and_creates_nothing(scim, acme):
    from app.services import quotas

    limit = quotas.limits_for(acme)["users"]
    used = quotas.seats_used(acme.id)
    for n in range(limit - used):
        assert scim.post("/Users", user_body(f"u{n}@acme.test")).status_code == 201
    refused = scim.post("/Users", user_body("one-too-many@acme.test"))
    assert refused.status_code == 403
    error = refused.get_json()
    assert error["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert error["scimType"] == "quotaExceeded" and error["status"] == "403" and "users" in error["detail"]
    assert db.session.query(User).filter_by(email="one-too-many@acme.test").count() == 0
    assert db.session.query(ScimUser).filter_by(user_name="one-too-many@acme.test").count() == 0


def test_two_tenants_provisioning_one_email_make_one_account_with_two_memberships(scim, acme, client):
    from tests import factories
    from tests.scim.conftest import Scim, scim_token

    globex = factories.tenant("globex", plan="pro", owner=factories.user("owner@globex.test"))
    other = Scim(client, "globex", scim_token(globex))
    mine = scim.post("/Users", user_body("erin@example.test", external_id="a-1")).get_json()
    theirs = other.post("/Users", user_body("erin@example.test", external_id="g-7")).get_json()
    assert mine["id"] != theirs["id"]
    accounts = db.session.query(User).filter_by(email="erin@example.test").all()
    assert len(accounts) == 1
    assert db.session.query(TenantUser).filter_by(user_id=accounts[0].id).count() == 2
    # Deprovisioning in one tenant leaves the other membership alone.
    assert other.delete(f"/Users/{theirs['id']}").status_code == 204
    assert _membership(acme, "erin@example.test") is not None


def test_another_tenants_token_cannot_touch_this_tenant(scim, acme, client):
    from tests import factories
    from tests.scim.conftest import scim_token

    globex = factories.tenant("globex", plan="pro", owner=factories.user("owner@globex.test"))
    theirs = scim_token(globex)
    user_id = scim.post("/Users", user_body("frank@acme.test")).get_json()["id"]
    for method, path, body in (("GET", "/Users", None), ("GET", f"/Users/{user_id}", None),
                               ("POST", "/Users", user_body("mole@acme.test")),
                               ("PATCH", f"/Users/{user_id}", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                                               "Operations": [{"op": "replace", "value": {"active": False}}]}),
                               ("DELETE", f"/Users/{user_id}", None)):
        response = scim.call(method, path, body, token=theirs)
        assert response.status_code == 401, (method, path)
        assert response.get_json()["status"] == "401"
    assert _membership(acme, "frank@acme.test") is not None
    assert db.session.query(User).filter_by(email="mole@acme.test").count() == 0
    # Globex's own endpoint does not find Acme's user either.
    from tests.scim.conftest import Scim

    assert Scim(client, "globex", theirs).get(f"/Users/{user_id}").status_code == 404


def test_missing_revoked_or_unknown_tenant_tokens_are_401(scim, acme):
    from app.models import ScimToken
    from app.models.types import utcnow

    assert scim.client.get("/scim/v2/acme/Users").status_code == 401
    assert scim.get("/Users", token="scim_made-up").status_code == 401
    assert scim.client.get("/scim/v2/no-such-tenant/Users",
                           headers={"Authorization": f"Bearer {scim.token}"}).status_code == 401
    token = db.session.query(ScimToken).one()
    token.revoked_at = utcnow()
    db.session.commit()
    assert scim.get("/Users").status_code == 401


def test_bad_input_gets_scim_errors_never_a_500_and_writes_nothing(scim, acme):
    malformed = scim.call("POST", "/Users", data="{not json")
    assert malformed.status_code == 400 and malformed.get_json()["scimType"] == "invalidSyntax"
    unknown = scim.post("/Users", {**user_body("gina@acme.test"), "favouriteColour": "teal"})
    assert unknown.status_code == 400 and unknown.get_json()["scimType"] == "invalidSyntax"
    assert "favouriteColour" in unknown.get_json()["detail"]
    no_name = scim.post("/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "active": True})
    assert no_name.status_code == 400
    bad_filter = scim.get('/Users?filter=title co "x"')
    assert bad_filter.status_code == 400 and bad_filter.get_json()["scimType"] == "invalidFilter"
    garbage_filter = scim.get('/Users?filter=userName eq')
    assert garbage_filter.status_code == 400 and garbage_filter.get_json()["scimType"] == "invalidFilter"
    bad_patch = scim.patch("/Users/nope", [{"op": "explode", "path": "active", "value": False}])
    assert bad_patch.status_code in (400, 404)
    uid = scim.post("/Users", user_body("hal@acme.test")).get_json()["id"]
    unknown_path = scim.patch(f"/Users/{uid}", [{"op": "replace", "path": "favouriteColour", "value": "x"}])
    assert unknown_path.status_code == 400 and unknown_path.get_json()["scimType"] == "invalidPath"
    assert scim.get(f"/Users/{uid}").get_json()["meta"]["version"] == 'W/"1"'  # nothing written
    scim.delete(f"/Users/{uid}")
    assert db.session.query(ScimUser).count() == 0 and db.session.query(User).filter_by(email="gina@acme.test").count() == 0


def test_pagination_and_etags(scim, acme):
    ids = [scim.post("/Users", user_body(f"p{n}@acme.test")).get_json()["id"] for n in range(3)]
    page = scim.get("/Users?startIndex=2&count=1").get_json()
    assert page["totalResults"] == 3 and page["startIndex"] == 2 and page["itemsPerPage"] == 1
    assert page["Resources"][0]["id"] == ids[1]
    current = scim.get(f"/Users/{ids[0]}")
    etag = current.headers["ETag"]
    assert scim.get(f"/Users/{ids[0]}", headers={"If-None-Match": etag}).status_code == 304
    stale = scim.patch(f"/Users/{ids[0]}", [{"op": "replace", "path": "displayName", "value": "P"}],
                       headers={"If-Match": 'W/"999"'})
    assert stale.status_code == 412
    fresh = scim.patch(f"/Users/{ids[0]}", [{"op": "replace", "path": "displayName", "value": "P"}],
                       headers={"If-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag


def test_discovery_endpoints(scim):
    config = scim.client.get("/scim/v2/acme/ServiceProviderConfig")  # readable without a token (RFC 7644 §4)
    assert config.status_code == 200
    assert config.get_json()["patch"]["supported"] is True and config.get_json()["etag"]["supported"] is True
    types = scim.get("/ResourceTypes").get_json()
    assert {r["name"] for r in types["Resources"]} == {"User", "Group"}
    schemas = scim.get("/Schemas").get_json()
    assert "urn:ietf:params:scim:schemas:core:2.0:User" in {s["id"] for s in schemas["Resources"]}


def test_provisioning_an_address_someone_signed_up_with_unverified_ends_the_squatters_access(scim, acme):
    """Issue 9, finding 2 through SCIM: whoever signed up as bob@acme.test never proved the address;
    when Acme's directory provisions Bob, the account is the directory's Bob and the squatter's
    password no longer signs in."""
    from app.services import accounts
    from tests import factories

    squatter = factories.user("bob@acme.test", name="Not Bob", verified=False)
    assert accounts.authenticate("bob@acme.test", factories.PASSWORD) is not None
    assert scim.post("/Users", user_body("bob@acme.test")).status_code == 201
    db.session.expire_all()
    bob = db.session.get(User, squatter.id)
    assert bob.password_hash is None and bob.is_email_verified
    assert accounts.authenticate("bob@acme.test", factories.PASSWORD) is None
    assert _membership(acme, "bob@acme.test") is not None
