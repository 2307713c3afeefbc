"""Custom roles (issue 17): the catalogue, roles through the API, and a member's union of roles."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from app.services import permissions
from app.services.permissions import BUILTIN_ROLE_PERMISSIONS, CATALOGUE
from app.tenancy.routes import AccessKind, access_of
from tests import factories
from tests.api.conftest import bearer
from tests.conftest import login

# Two custom roles beyond what a viewer holds; none of them destroys the test's world when used.
BILLING_CLERK = ["billing.read", "plans.read", "usage.read"]
AUDITOR = ["audit.read", "members.manage"]


def _roles_path(world, suffix=""):
    return f"/api/v1/tenants/{world.tenant.slug}/roles{suffix}"


def _create(api, world, name, perms, who="owner"):
    return api.post(_roles_path(world), key=world.keys[who],
                    json={"name": name, "description": "", "permissions": perms})


def test_catalogue_lists_every_tenant_permission_with_label_and_builtin_roles(api, world):
    body = api.get("/api/v1/permissions", key=world.keys["viewer"]).get_json()
    names = [entry["name"] for entry in body["items"]]
    assert names == [p.name for p in CATALOGUE]
    members_manage = next(e for e in body["items"] if e["name"] == "members.manage")
    assert members_manage["label"] == "Manage members" and members_manage["group"] == "members"
    assert members_manage["builtin_roles"] == ["owner", "admin"]


def test_builtin_roles_keep_the_least_role_rule():
    for perm in CATALOGUE:
        for role, held in BUILTIN_ROLE_PERMISSIONS.items():
            assert (perm.name in held) == (role.rank >= perm.least_role.rank)


def test_owner_creates_edits_lists_and_deletes_a_role_audited(api, world):
    created = _create(api, world, "Billing clerk", BILLING_CLERK)
    assert created.status_code == 201, created.get_json()
    role = created.get_json()
    assert role["key"] == "billing-clerk" and isinstance(role["id"], int)
    path = _roles_path(world, f"/{role['id']}")
    changed = api.patch(path, key=world.keys["owner"], json={"description": "Pays the bills"})
    assert changed.status_code == 200 and changed.get_json()["description"] == "Pays the bills"
    listed = api.get(_roles_path(world), key=world.keys["viewer"]).get_json()["items"]
    assert [(r["name"], r["members"]) for r in listed] == [("Billing clerk", 0)]
    assert api.delete(path, key=world.keys["owner"]).status_code == 204
    actions = [e.action for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.tenant_id == world.tenant.id, AuditEvent.action.like("role.%"))
        .order_by(AuditEvent.id))]
    assert actions == ["role.created", "role.updated", "role.deleted"]


def test_unknown_permission_and_blank_name_are_422_naming_both_fields(api, world):
    answer = _create(api, world, "  ", ["members.manage", "coffee.make"])
    assert answer.status_code == 422
    fields = answer.get_json()["error"]["details"]["fields"] if "error" in answer.get_json() \
        else answer.get_json()["details"]["fields"]
    # The API names the very item at fault (`permissions.1`: the second one).
    assert set(fields) == {"name", "permissions.1"}
    assert api.get(_roles_path(world), key=world.keys["owner"]).get_json()["items"] == []


def test_admin_may_not_manage_roles_and_nobody_grants_what_they_lack(api, world):
    assert _create(api, world, "Clerk", BILLING_CLERK, who="admin").status_code == 403
    role = _create(api, world, "Clerk", BILLING_CLERK).get_json()
    admin = world.users["admin"]
    # An admin does not hold billing.read, so may not hand the role out.
    refused = api.patch(f"/api/v1/tenants/{world.tenant.slug}/users/{world.users['viewer'].id}",
                        key=world.keys["admin"], json={"roles": [role["key"]]})
    assert refused.status_code == 403 and admin.id


def test_basic_plan_gets_an_upgrade_answer(api, world):
    answer = api.post(f"/api/v1/tenants/{world.other.slug}/roles", key=world.keys["other"],
                      json={"name": "Clerk", "permissions": []})
    assert answer.status_code == 403
    assert "feature_not_in_plan" in answer.get_data(as_text=True)


def test_role_in_use_cannot_be_deleted_until_reassigned(api, world):
    role = _create(api, world, "Clerk", BILLING_CLERK).get_json()
    member_path = f"/api/v1/tenants/{world.tenant.slug}/users/{world.users['viewer'].id}"
    given = api.patch(member_path, key=world.keys["owner"], json={"roles": ["viewer", role["key"]]})
    assert given.status_code == 200 and given.get_json()["roles"] == ["viewer", "clerk"]
    refused = api.delete(_roles_path(world, f"/{role['id']}"), key=world.keys["owner"])
    assert refused.status_code == 409 and "role_in_use" in refused.get_data(as_text=True)
    assert "Give them other roles first" in refused.get_data(as_text=True)
    api.patch(member_path, key=world.keys["owner"], json={"roles": ["viewer"]})
    assert api.delete(_roles_path(world, f"/{role['id']}"), key=world.keys["owner"]).status_code == 204


def test_another_tenants_role_is_not_found(api, world):
    role = _create(api, world, "Clerk", BILLING_CLERK).get_json()
    answer = api.patch(f"/api/v1/tenants/{world.other.slug}/roles/{role['id']}", key=world.keys["other"],
                       json={"name": "Mine"})
    assert answer.status_code == 404
    assert api.get(_roles_path(world), key=world.keys["other"]).status_code == 404


# --- the done-when: two custom roles give exactly the union, in the API and the portal ---------------

def _routes(app, prefix: str, perm: str) -> list[tuple[str, str]]:
    """(method, rule) of routes declared with `perm` under `prefix`, reads first."""
    found = []
    for rule in app.url_map.iter_rules():
        access = access_of(app.view_functions[rule.endpoint])
        if access is None or access.kind != AccessKind.TENANT or access.permission.name != perm:
            continue
        if not rule.rule.startswith(prefix):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}, key=lambda m: m != "GET"):
            found.append((method, rule.rule))
    return found


def _fill(rule: str, slug: str) -> str:
    rule = rule.replace("<tenant_ref>", slug).replace("<tenant_slug>", slug)
    return re.sub(r"<[^>]+>", "999999", rule)  # an id no row has: 404 when allowed, 403 when not


@pytest.fixture
def union_member(api, world):
    """The viewer, given the two custom roles."""
    keys = [_create(api, world, name, perms).get_json()["key"]
            for name, perms in (("Billing clerk", BILLING_CLERK), ("Auditor", AUDITOR))]
    answer = api.patch(f"/api/v1/tenants/{world.tenant.slug}/users/{world.users['viewer'].id}",
                       key=world.keys["owner"], json={"roles": keys})
    assert answer.status_code == 200 and answer.get_json()["roles"] == ["viewer", "auditor", "billing-clerk"]
    return world.users["viewer"]


EXPECTED = BUILTIN_ROLE_PERMISSIONS[permissions.Role.VIEWER] | set(BILLING_CLERK) | set(AUDITOR)


def _denied(response, perm: str) -> bool:
    if response.status_code != 403:
        return False
    body = response.get_json(silent=True) or {}
    error = body.get("error", body)
    return (error.get("details") or {}).get("permission") == perm or b"does not allow" in response.data


def _declared(prefix: str, *, pages: bool) -> list[str]:
    """The catalogue's permissions that some route under `prefix` declares (GET pages only if `pages`):
    decided at collection from the app's url_map, so a permission without such a route is not a test."""
    from tests.conftest import build_app

    routes_app = build_app("sqlite://")
    return [p.name for p in CATALOGUE
            if any(m == "GET" or not pages for m, _rule in _routes(routes_app, prefix, p.name))]


@pytest.mark.parametrize("perm", _declared("/api/v1", pages=False))
def test_two_custom_roles_allow_exactly_their_union_in_the_api(app, api, world, union_member, perm):
    token = api.post("/api/v1/auth/token", json={"email": union_member.email, "password": factories.PASSWORD,
                                                 "tenant": world.tenant.slug}).get_json()["access_token"]
    routes = _routes(app, "/api/v1", perm)
    assert routes
    for method, rule in routes:
        response = api.call(method, _fill(rule, world.tenant.slug), headers=bearer(token), data="not json",
                            content_type="application/json")
        assert _denied(response, perm) == (perm not in EXPECTED), (method, rule, response.status_code)


@pytest.mark.parametrize("perm", _declared("/t/", pages=True))
def test_two_custom_roles_allow_exactly_their_union_in_the_portal(app, client, world, union_member, perm):
    routes = [(m, r) for m, r in _routes(app, "/t/", perm) if m == "GET"]
    assert routes
    login(client, union_member)
    for _method, rule in routes:
        response = client.get(_fill(rule, world.tenant.slug))
        assert (response.status_code == 403) == (perm not in EXPECTED), (rule, response.status_code)


def test_an_api_key_takes_a_custom_role_and_holds_its_permissions(api, world):
    role = _create(api, world, "Auditor", ["audit.read"]).get_json()
    made = api.post(f"/api/v1/tenants/{world.tenant.slug}/api-keys", key=world.keys["owner"],
                    json={"name": "auditor", "role": "viewer", "custom_role": role["key"]})
    assert made.status_code == 201, made.get_json()
    secret = made.get_json()["secret"]
    plain_viewer = world.keys["viewer"]
    assert api.get(f"/api/v1/tenants/{world.tenant.slug}/audit", key=plain_viewer).status_code == 403
    assert api.get(f"/api/v1/tenants/{world.tenant.slug}/audit", key=secret).status_code == 200
    # A role a key holds is not deleted under it.
    refused = api.delete(_roles_path(world, f"/{role['id']}"), key=world.keys["owner"])
    assert refused.status_code == 409 and "Revoke them first" in refused.get_data(as_text=True)


def test_an_admin_cannot_mint_a_key_with_permissions_they_lack(api, world):
    role = _create(api, world, "Clerk", ["billing.read"]).get_json()
    made = api.post(f"/api/v1/tenants/{world.tenant.slug}/api-keys", key=world.keys["admin"],
                    json={"name": "clerk", "role": "viewer", "custom_role": role["key"]})
    assert made.status_code == 403


def test_the_members_listing_shows_every_role_each_member_holds(api, world, union_member):
    page = api.get(f"/api/v1/tenants/{world.tenant.slug}/users?per_page=100", key=world.keys["owner"]).get_json()
    held = {item["email"]: item["roles"] for item in page["items"]}
    assert held[union_member.email] == ["viewer", "auditor", "billing-clerk"]
    assert held[world.users["owner"].email] == ["owner"]


def test_the_key_listing_names_the_custom_role_a_key_holds(api, world):
    role = _create(api, world, "Auditor", ["audit.read"]).get_json()
    api.post(f"/api/v1/tenants/{world.tenant.slug}/api-keys", key=world.keys["owner"],
             json={"name": "auditor", "role": "viewer", "custom_role": role["key"]})
    listed = api.get(f"/api/v1/tenants/{world.tenant.slug}/api-keys", key=world.keys["owner"]).get_json()["items"]
    by_name = {key["name"]: key for key in listed}
    assert by_name["auditor"]["custom_role"] == "auditor"
    assert all(key["custom_role"] is None for name, key in by_name.items() if name != "auditor")
