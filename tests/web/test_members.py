"""Members: inline role changes and removal (HTMX rows), last-owner protection, ownership transfer."""

from __future__ import annotations

from app.extensions import db
from app.models import Tenant, TenantUser
from app.services import members
from tests.web.conftest import post


def _role(tenant, user) -> str | None:
    db.session.expire_all()
    row = db.session.query(TenantUser).filter_by(tenant_id=tenant.id, user_id=user.id).one_or_none()
    return row.role if row else None


def test_admin_changes_a_role_inline_and_gets_the_row_back(client, as_user, org):
    as_user(org.admin)
    response = post(client, f"/t/acme/members/{org.member.id}/role", {"role": "viewer"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="member-{org.member.id}"')
    assert "Saved" in html and "<html" not in html
    assert _role(org.tenant, org.member) == "viewer"


def test_role_change_without_javascript_redirects_back_with_a_message(client, as_user, org):
    as_user(org.admin)
    response = post(client, f"/t/acme/members/{org.member.id}/role", {"role": "viewer"})
    assert response.status_code == 302 and response.location == "/t/acme/members"
    assert "Mia Member is now Viewer." in client.get("/t/acme/members").get_data(as_text=True)


def test_role_change_without_csrf_token_is_refused(client, as_user, org):
    as_user(org.admin)
    response = client.post(f"/t/acme/members/{org.member.id}/role", data={"role": "viewer"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert _role(org.tenant, org.member) == "member"


def test_last_owner_cannot_be_demoted_and_the_row_says_why(client, as_user, org):
    as_user(org.owner)
    response = post(client, f"/t/acme/members/{org.owner.id}/role", {"role": "admin"}, htmx=True)
    assert "You are the only owner" in response.get_data(as_text=True)  # "you", not their own address
    assert _role(org.tenant, org.owner) == "owner"


def test_last_owner_cannot_be_removed(client, as_user, org):
    as_user(org.owner)
    response = post(client, f"/t/acme/members/{org.owner.id}/remove", htmx=True)
    assert "You are the only owner, so you cannot leave" in response.get_data(as_text=True)
    assert _role(org.tenant, org.owner) == "owner"


def test_the_sole_owner_s_controls_are_disabled_with_the_reason(client, as_user, org):
    import re

    as_user(org.owner)
    html = client.get("/t/acme/members").get_data(as_text=True)
    row = html.split(f'id="member-{org.owner.id}"')[1].split("</tr>")[0]
    assert "The only owner: make someone else an owner first." in row
    assert re.search(r'<select[^>]*data-testid="role-select"[^>]*disabled', row)
    assert re.search(r'<button[^>]*disabled[^>]*>\s*<i class="bi bi-person-dash"', row)
    assert re.search(r'Leave organisation', html) and "so you cannot leave" in html
    assert re.search(r'<button class="btn btn-outline-danger" type="submit" disabled', html)
    # The transfer menu starts on a blank choice; another member's row stays editable.
    assert re.search(r'<option [^>]*value=""[^>]*>Choose a member</option>', html)
    other = html.split(f'id="member-{org.admin.id}"')[1].split("</tr>")[0]
    assert "disabled" not in other


def test_a_second_owner_lifts_the_restriction(client, as_user, org):
    from app.services import members
    from app.services.audit import Actor

    members.change_role(org.tenant, org.admin.id, "owner", Actor.system())
    as_user(org.owner)
    html = client.get("/t/acme/members").get_data(as_text=True)
    assert "The only owner" not in html and "so you cannot leave" not in html


def test_promoting_to_owner_is_never_one_click(client, as_user, org):
    as_user(org.owner)
    unconfirmed = post(client, f"/t/acme/members/{org.member.id}/role", {"role": "owner"}, htmx=True)
    assert "Confirm making Mia Member an owner first" in unconfirmed.get_data(as_text=True)
    assert _role(org.tenant, org.member) == "member"
    # Without JavaScript the same question comes as a page.
    page = post(client, f"/t/acme/members/{org.member.id}/role", {"role": "owner"})
    assert page.status_code == 200
    assert "Make Mia Member an owner of Acme?" in page.get_data(as_text=True)
    assert _role(org.tenant, org.member) == "member"
    post(client, f"/t/acme/members/{org.member.id}/role", {"role": "owner", "confirmed": "1"}, htmx=True)
    assert _role(org.tenant, org.member) == "owner"


def test_admin_cannot_make_anyone_an_owner(client, as_user, org):
    as_user(org.admin)
    response = post(client, f"/t/acme/members/{org.member.id}/role", {"role": "owner"}, htmx=True)
    assert "cannot grant the owner role" in response.get_data(as_text=True)
    assert _role(org.tenant, org.member) == "member"


def test_member_and_viewer_see_roles_but_no_controls(client, as_user, org):
    for who in (org.member, org.viewer):
        as_user(who)
        html = client.get("/t/acme/members").get_data(as_text=True)
        assert "Adam Admin" in html
        assert 'data-testid="role-select"' not in html and "Remove" not in html


def test_viewer_cannot_change_roles(client, as_user, org):
    as_user(org.viewer)
    response = post(client, f"/t/acme/members/{org.member.id}/role", {"role": "viewer"}, htmx=True)
    assert response.status_code == 403
    assert _role(org.tenant, org.member) == "member"


def test_member_of_another_tenant_cannot_change_or_remove_acme_members(client, as_user, org, other_org):
    as_user(other_org.owner)
    assert post(client, f"/t/acme/members/{org.member.id}/role", {"role": "viewer"}).status_code == 404
    assert post(client, f"/t/acme/members/{org.member.id}/remove").status_code == 404
    assert _role(org.tenant, org.member) == "member"


def test_acme_admin_cannot_reach_a_globex_member_through_acme(client, as_user, org, other_org):
    as_user(org.admin)
    response = post(client, f"/t/acme/members/{other_org.member.id}/role", {"role": "viewer"})
    assert response.status_code == 404
    assert _role(other_org.tenant, other_org.member) == "member"


def test_remove_asks_first_without_javascript(client, as_user, org):
    as_user(org.admin)
    page = client.get(f"/t/acme/members/{org.member.id}/remove")
    assert page.status_code == 200
    assert "Remove Mia Member?" in page.get_data(as_text=True)
    assert _role(org.tenant, org.member) == "member"  # opening the confirmation changes nothing


def test_remove_with_htmx_drops_the_row_and_updates_the_seat_count(client, as_user, org):
    as_user(org.admin)
    html = client.get("/t/acme/members").get_data(as_text=True)
    assert 'hx-confirm="Remove Mia Member from Acme?' in html
    response = post(client, f"/t/acme/members/{org.member.id}/remove", htmx=True)
    html = response.get_data(as_text=True)
    assert f'id="member-{org.member.id}"' not in html
    assert 'id="seats"' in html and 'hx-swap-oob="true"' in html and "3 of 5 seats in use" in html
    assert _role(org.tenant, org.member) is None


def test_remove_without_javascript_redirects_with_a_message(client, as_user, org):
    as_user(org.admin)
    response = post(client, f"/t/acme/members/{org.member.id}/remove")
    assert response.location == "/t/acme/members"
    assert "Mia Member was removed from Acme." in client.get("/t/acme/members").get_data(as_text=True)


def test_owner_transfers_ownership_and_becomes_admin(client, as_user, org):
    as_user(org.owner)
    response = post(client, "/t/acme/members/transfer", {"user_id": str(org.admin.id)})
    assert response.location == "/t/acme/members"
    assert _role(org.tenant, org.admin) == "owner"
    assert _role(org.tenant, org.owner) == "admin"
    assert db.session.get(Tenant, org.tenant.id).owner_id == org.admin.id


def test_only_owners_may_transfer_ownership(client, as_user, org):
    as_user(org.admin)
    assert "Transfer ownership" not in client.get("/t/acme/members").get_data(as_text=True)
    response = post(client, "/t/acme/members/transfer", {"user_id": str(org.admin.id)})
    assert response.status_code == 403
    assert _role(org.tenant, org.owner) == "owner"


def test_ownership_cannot_go_to_someone_outside_the_tenant(client, as_user, org, other_org):
    as_user(org.owner)
    post(client, "/t/acme/members/transfer", {"user_id": str(other_org.member.id)})
    assert _role(org.tenant, org.owner) == "owner"
    assert members.list_members(org.tenant)[0].user_id == org.owner.id
