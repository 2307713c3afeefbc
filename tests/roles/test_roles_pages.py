"""Settings -> Roles in the browser: list with member counts, create with grouped checkboxes, delete."""

from __future__ import annotations

from app.services import roles
from app.services.audit import Actor
from app.services.authority import Authority
from tests.conftest import csrf_token, login


def _owner(world):
    return Authority.member(Actor(user_id=world.users["owner"].id, label="owner"), world.tenant, "owner")


def test_owner_creates_a_role_from_the_checkboxes(client, world):
    login(client, world.users["owner"])
    page = client.get(f"/t/{world.tenant.slug}/settings/roles/new")
    assert page.status_code == 200 and b'value="billing.read"' in page.data and b"Billing" in page.data
    token = csrf_token(client, f"/t/{world.tenant.slug}/settings/roles/new")
    answer = client.post(f"/t/{world.tenant.slug}/settings/roles/new",
                         data={"csrf_token": token, "name": "Clerk", "description": "Bills",
                               "permissions": ["billing.read", "usage.read"]})
    assert answer.status_code == 302
    listed = client.get(f"/t/{world.tenant.slug}/settings/roles").get_data(as_text=True)
    assert "Clerk" in listed and "Bills" in listed


def test_unknown_permission_and_blank_name_show_both_errors(client, world):
    login(client, world.users["owner"])
    token = csrf_token(client, f"/t/{world.tenant.slug}/settings/roles/new")
    answer = client.post(f"/t/{world.tenant.slug}/settings/roles/new",
                         data={"csrf_token": token, "name": " ", "permissions": ["coffee.make"]})
    assert answer.status_code == 422
    assert b"coffee.make" in answer.data


def test_role_in_use_is_not_deleted_and_says_why(client, world):
    role = roles.create_role(world.tenant, _owner(world), name="Clerk", permissions=["billing.read"])
    roles.set_member_roles(world.tenant, world.users["viewer"].id, [role.key], _owner(world))
    login(client, world.users["owner"])
    listed = client.get(f"/t/{world.tenant.slug}/settings/roles").get_data(as_text=True)
    assert "Clerk" in listed
    token = csrf_token(client, f"/t/{world.tenant.slug}/settings/roles/{role.id}")
    answer = client.post(f"/t/{world.tenant.slug}/settings/roles/{role.id}/delete", data={"csrf_token": token},
                         follow_redirects=True)
    assert "Give them other roles first" in answer.get_data(as_text=True)


def test_admin_gets_403_and_no_nav_item(client, world):
    login(client, world.users["admin"])
    assert client.get(f"/t/{world.tenant.slug}/settings/roles").status_code == 403
    assert b"/settings/roles" not in client.get(f"/t/{world.tenant.slug}/settings").data


def test_admin_assigns_roles_they_hold_and_the_table_shows_badges(client, world):
    auditor = roles.create_role(world.tenant, _owner(world), name="Auditor", permissions=["audit.read"])
    clerk = roles.create_role(world.tenant, _owner(world), name="Clerk", permissions=["billing.read"])
    viewer = world.users["viewer"]
    login(client, world.users["admin"])
    path = f"/t/{world.tenant.slug}/members/{viewer.id}/roles"
    token = csrf_token(client, path)
    refused = client.post(path, data={"csrf_token": token, "roles": ["viewer", clerk.key]})
    assert refused.status_code == 403 and b"billing.read" in refused.data
    saved = client.post(path, data={"csrf_token": token, "roles": ["viewer", auditor.key]})
    assert saved.status_code == 302
    table = client.get(f"/t/{world.tenant.slug}/members").get_data(as_text=True)
    row = table.split(f'data-email="{viewer.email}"', 1)[1].split("</tr>", 1)[0]
    assert "Auditor" in row and "Clerk" not in row


def test_a_key_made_in_the_portal_holds_a_custom_role_the_maker_may_grant(client, world):
    auditor = roles.create_role(world.tenant, _owner(world), name="Auditor", permissions=["audit.read"])
    clerk = roles.create_role(world.tenant, _owner(world), name="Clerk", permissions=["billing.read"])
    login(client, world.users["admin"])
    path = f"/t/{world.tenant.slug}/keys"
    form = client.get(path).get_data(as_text=True)
    assert f'value="{auditor.key}"' in form and "Also holds" in form
    token = csrf_token(client, path)
    # The admin holds audit.read but not billing.read: the clerk role is refused, and no key is made.
    refused = client.post(path, data={"csrf_token": token, "name": "billing bot", "role": "viewer",
                                      "custom_role": clerk.key, "expires": "30"})
    assert refused.status_code in (403, 422) and b"billing.read" in refused.data
    assert "billing bot" not in client.get(path).get_data(as_text=True)
    made = client.post(path, data={"csrf_token": token, "name": "audit bot", "role": "viewer",
                                   "custom_role": auditor.key, "expires": "30"})
    assert made.status_code == 200 and b"sk_" in made.data
    listing = client.get(path).get_data(as_text=True)
    row = listing.split("audit bot", 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="key-custom-role">Auditor<' in row
