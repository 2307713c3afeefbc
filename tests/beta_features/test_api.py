"""The beta-features API: the tenant lists and switches its allowed betas, platform keys allow them,
other tenants get nothing, bad bodies are 422 with the fields named, and the evaluation API follows."""

from __future__ import annotations

import pytest

from app.models import AuditEvent
from app.services import beta_features
from tests import factories as f

LIST = "/api/v1/tenants/acme/beta-features"


def _one(key: str = "new_editor", tenant: str = "acme") -> str:
    return f"/api/v1/tenants/{tenant}/beta-features/{key}"


def _features(api, world, who: str = "viewer") -> dict:
    return api.get("/api/v1/tenants/current/features", headers=world.headers(who)).get_json()["flags"]


def test_a_platform_key_allows_a_beta_and_the_tenant_switches_it_on(api, world):
    listed = api.get(LIST, headers=world.headers("platform")).get_json()["items"]
    assert [(b["key"], b["allowed"], b["enabled"]) for b in listed] == [
        ("new_editor", False, False), ("usage_insights", False, False)]
    assert api.get(LIST, headers=world.headers("admin")).get_json() == {"items": []}

    allowed = api.patch(_one(), headers=world.headers("platform"), json={"allowed": True})
    assert allowed.status_code == 200, allowed.get_json()
    assert allowed.get_json() | {"changed_at": None} == {
        "key": "new_editor", "label": "New document editor", "description": allowed.get_json()["description"],
        "allowed": True, "enabled": False, "changed_at": None, "changed_by": "api-key:platform key"}
    assert [b["key"] for b in api.get(LIST, headers=world.headers("viewer")).get_json()["items"]] == ["new_editor"]

    switched = api.patch(_one(), headers=world.headers("admin"), json={"enabled": True})
    assert switched.status_code == 200 and switched.get_json()["enabled"] is True
    assert _features(api, world) == {"new_editor": True}
    assert AuditEvent.query.filter_by(tenant_id=world.tenant.id, action="beta_feature.enabled").count() == 1


def test_a_platform_key_may_allow_and_switch_on_in_one_call(api, world):
    answer = api.patch(_one("usage_insights"), headers=world.headers("platform"),
                       json={"allowed": True, "enabled": True})
    assert answer.status_code == 200 and (answer.get_json()["allowed"], answer.get_json()["enabled"]) == (True, True)
    assert _features(api, world) == {"usage_insights": True}


def test_withdrawing_a_beta_switches_it_off_in_the_evaluation_at_once(api, world):
    beta_features.allow(world.tenant, "new_editor", True, f.SYSTEM)
    api.patch(_one(), headers=world.headers("owner"), json={"enabled": True})
    assert _features(api, world) == {"new_editor": True}  # warm in the access cache now
    withdrawn = api.patch(_one(), headers=world.headers("platform"), json={"allowed": False})
    assert (withdrawn.get_json()["allowed"], withdrawn.get_json()["enabled"]) == (False, False)
    assert _features(api, world) == {}


def test_a_platform_override_wins_in_the_evaluation_api(api, world):
    beta_features.allow(world.tenant, "new_editor", True, f.SYSTEM)
    api.patch(_one(), headers=world.headers("owner"), json={"enabled": True})
    api.call("PUT", "/api/v1/tenants/acme/flags/new_editor", headers=world.headers("platform"),
             json={"enabled": False})
    assert _features(api, world) == {"new_editor": False}


def test_a_beta_not_allowed_is_403_for_the_tenant(api, world):
    answer = api.patch(_one(), headers=world.headers("owner"), json={"enabled": True})
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "beta_not_allowed"


def test_the_tenant_may_not_allow_a_beta_itself(api, world):
    answer = api.patch(_one(), headers=world.headers("owner"), json={"allowed": True})
    assert answer.status_code == 403
    assert api.get(LIST, headers=world.headers("owner")).get_json() == {"items": []}


@pytest.mark.parametrize("who", ["viewer", "member"])
def test_viewers_and_members_read_but_may_not_switch(api, world, who):
    beta_features.allow(world.tenant, "new_editor", True, f.SYSTEM)
    assert api.get(LIST, headers=world.headers(who)).status_code == 200
    assert api.patch(_one(), headers=world.headers(who), json={"enabled": True}).status_code == 403
    assert beta_features.enabled_keys(world.tenant) == frozenset()


def test_another_tenant_can_neither_read_nor_change_it(api, world):
    beta_features.allow(world.tenant, "new_editor", True, f.SYSTEM)
    assert api.get(LIST, headers=world.headers("other")).status_code in (403, 404)
    assert api.patch(_one(), headers=world.headers("other"), json={"enabled": True}).status_code in (403, 404)
    # Its own betas are its own: none allowed.
    assert api.get("/api/v1/tenants/globex/beta-features", headers=world.headers("other")).get_json() == {"items": []}
    assert beta_features.enabled_keys(world.tenant) == frozenset()


@pytest.mark.parametrize(("body", "field"), [
    ({"enabled": "yes"}, "enabled"),
    ({"allowed": 1}, "allowed"),
    ({"enabled": None}, "enabled"),
    ({}, "enabled"),
])
def test_a_bad_body_is_422_naming_the_field(api, world, body, field):
    beta_features.allow(world.tenant, "new_editor", True, f.SYSTEM)
    answer = api.patch(_one(), headers=world.headers("owner"), json=body)
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["error"]["details"]["fields"]


def test_an_unknown_field_is_400(api, world):
    answer = api.patch(_one(), headers=world.headers("owner"), json={"enabled": True, "colour": "red"})
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "unknown_field"


@pytest.mark.parametrize("who", ["owner", "platform"])
def test_an_unknown_key_is_422_on_key(api, world, who):
    answer = api.patch(_one("time_travel"), headers=world.headers(who), json={"enabled": True})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["details"]["fields"].keys() == {"key"}


def test_the_api_is_documented(api, world):
    document = api.get("/api/v1/openapi.json").get_json()
    assert "patch" in document["paths"]["/api/v1/tenants/{tenant_ref}/beta-features/{key}"]
    assert "get" in document["paths"]["/api/v1/tenants/{tenant_ref}/beta-features"]
