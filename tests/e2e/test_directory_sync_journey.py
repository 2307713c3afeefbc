"""Directory sync in a real browser and over real HTTP: an owner creates a SCIM token on the page, the
"identity provider" (HTTP calls to the running server) provisions a person and a group with it, the
owner maps the group to a role, and deactivating the person ends their open browser session at once."""

from __future__ import annotations

import re

import requests

from app.extensions import db
from app.models import TenantUser, User
from tests import factories as f
from tests.e2e.conftest import check_page, sign_in

SCIM = "application/scim+json"



def _role(email: str) -> str | None:
    db.session.expire_all()
    user = db.session.query(User).filter_by(email=email).one()
    membership = db.session.query(TenantUser).filter_by(user_id=user.id).one_or_none()
    return membership.role if membership else None


def test_owner_connects_a_directory_that_provisions_maps_and_deprovisions(page, new_context, live_server):
    owner = f.user("olga@acme.test", name="Olga Owner")
    tenant = f.tenant("acme", owner=owner, name="Acme", plan="pro")
    f.member(tenant, "member", f.user("mia@acme.test", name="Mia Member"))

    # Mia is signed in on her own laptop.
    laptop = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(laptop, "mia@acme.test")
    laptop.wait_for_url("**/t/acme/")

    sign_in(page, "olga@acme.test")
    page.wait_for_url("**/t/acme/")
    page.get_by_role("link", name="Directory sync").click()
    page.wait_for_url("**/t/acme/settings/directory")
    base_url = page.get_by_test_id("scim-base-url").inner_text().strip()
    assert base_url == f"{live_server.url}/scim/v2/acme"
    check_page(page, "directory-sync-empty")
    page.get_by_label("Name").fill("Entra ID")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-scim-secret").inner_text().strip()
    assert re.fullmatch(r"scim_[\w-]{40,}", secret)
    check_page(page, "directory-sync-token-created")

    # The identity provider, with that token: Mia (already a member) and a group she is in.
    idp = requests.Session()
    idp.headers.update({"Authorization": f"Bearer {secret}", "Content-Type": SCIM})
    mia = idp.post(f"{base_url}/Users", timeout=10, json={
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "mia@acme.test", "active": True,
        "emails": [{"value": "mia@acme.test", "type": "work", "primary": True}]})
    assert mia.status_code == 201, mia.text
    group = idp.post(f"{base_url}/Groups", timeout=10, json={
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Support leads",
        "members": [{"value": mia.json()["id"]}]})
    assert group.status_code == 201, group.text

    page.reload()
    row = page.get_by_test_id("scim-group-row").filter(has_text="Support leads")
    row.get_by_label("Role given by Support leads").select_option("admin")
    row.get_by_role("button", name="Save").click()
    page.get_by_text("Members of Support leads are now Admin.").wait_for()
    check_page(page, "directory-sync-groups")
    assert _role("mia@acme.test") == "admin"

    # Deprovisioning: Mia's next request lands on the sign-in page.
    off = idp.patch(f"{base_url}/Users/{mia.json()['id']}", timeout=10, json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": False}}]})
    assert off.status_code == 200 and off.json()["active"] is False
    laptop.goto("/t/acme/members")
    laptop.wait_for_url(re.compile(r"/login"))
    assert _role("mia@acme.test") is None
    page.goto("/t/acme/members")
    assert page.get_by_text("Mia Member").count() == 0
