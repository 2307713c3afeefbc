"""Step one of support access (issue 17): an admin's view of a tenant reaches that tenant only.

The owner viewed as may own other organisations; none of them opens, by any way the portal names a
tenant (path, the switcher, the session's last tenant), and the API does not take the browser's cookie.
"""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.conftest import csrf_token, login

REASON = "Ticket 88: the owner cannot see the invite button"


@pytest.fixture
def two_orgs():
    owner = f.user("olive@acme.test", name="Olive")
    acme = f.tenant("acme", owner=owner, plan="pro", status="active")
    globex = f.tenant("globex", owner=owner, plan="pro", status="active", name="Globex")
    return acme, globex, owner


@pytest.fixture
def viewing(client, two_orgs):
    acme, _globex, _owner = two_orgs
    login(client, f.user("root@platform.test", admin=True))
    token = csrf_token(client, "/admin/")
    client.post(f"/admin/tenants/{acme.id}/impersonate", data={"csrf_token": token, "reason": REASON})
    return client


def test_impersonation_reaches_only_the_granted_tenant(viewing, two_orgs):
    acme, globex, _owner = two_orgs
    assert viewing.get(f"/t/{acme.slug}/").status_code == 200
    for path in ("/", "/members", "/settings", "/audit", "/billing", "/keys"):
        assert viewing.get(f"/t/{globex.slug}{path}").status_code == 403, path


def test_the_owners_other_tenant_is_not_reached_through_the_session_or_a_header(viewing, two_orgs):
    _acme, globex, _owner = two_orgs
    with viewing.session_transaction() as session:
        session["tenant_id"] = globex.id  # the last tenant the owner themselves opened
    home = viewing.get("/")
    assert "/t/globex/" not in (home.headers.get("Location") or "")
    assert viewing.get("/organisations").get_data(as_text=True).count("/t/globex/") == 0


def test_the_api_does_not_take_the_impersonation_cookie(viewing, two_orgs):
    acme, globex, _owner = two_orgs
    for tenant in (acme, globex):
        assert viewing.get(f"/api/v1/tenants/{tenant.id}/users").status_code == 401
