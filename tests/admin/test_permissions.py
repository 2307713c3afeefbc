"""Every /admin route: anonymous -> sign-in, tenant owner -> 403, platform admin -> through."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.conftest import csrf_token

# (method, path template) for every admin route except stop_impersonation (reachable by the impersonated
# owner by design; tested in test_impersonation). {t} is a tenant id, {u} a user id.
ROUTES = [
    ("GET", "/admin/"),
    ("GET", "/admin/tenants"),
    ("GET", "/admin/tenants/{t}"),
    ("POST", "/admin/tenants/{t}/suspend"),
    ("POST", "/admin/tenants/{t}/reactivate"),
    ("POST", "/admin/tenants/{t}/extend-trial"),
    ("POST", "/admin/tenants/{t}/plan"),
    ("POST", "/admin/tenants/{t}/quotas"),
    ("POST", "/admin/tenants/{t}/delete"),
    ("POST", "/admin/tenants/{t}/restore"),
    ("POST", "/admin/tenants/{t}/purge"),
    ("POST", "/admin/tenants/{t}/impersonate"),
    ("POST", "/admin/tenants/{t}/sso/{c}/switch"),
    ("POST", "/admin/tenants/{t}/sso/lift-requirement"),
    ("GET", "/admin/tenants/{t}/move"),
    ("POST", "/admin/tenants/{t}/move"),
    ("POST", "/admin/tenants/{t}/support-access/request"),
    ("POST", "/admin/tenants/{t}/support-access/break-glass"),
    ("POST", "/admin/tenants/{t}/support-access/{g}/open"),
    ("POST", "/admin/tenants/{t}/flags"),
    ("POST", "/admin/tenants/{t}/flags/{k}/clear"),
    ("POST", "/admin/tenants/{t}/beta-features/{k}"),
    ("GET", "/admin/users"),
    ("POST", "/admin/users/{u}/disable"),
    ("POST", "/admin/users/{u}/enable"),
    ("POST", "/admin/users/{u}/grant-admin"),
    ("POST", "/admin/users/{u}/revoke-admin"),
    ("GET", "/admin/audit"),
    ("GET", "/admin/audit.csv"),
    ("GET", "/admin/emails"),
    ("POST", "/admin/emails/{e}/retry"),
    ("GET", "/admin/billing"),
    ("GET", "/admin/billing/invoices.csv"),
    ("POST", "/admin/billing/invoices/{i}/paid"),
    ("GET", "/admin/tenants/{t}/billing"),
    ("POST", "/admin/tenants/{t}/billing/credit"),
    ("POST", "/admin/tenants/{t}/billing/comp"),
    ("POST", "/admin/tenants/{t}/billing/price"),
]


@pytest.fixture
def world():
    owner = f.user("owner@perm.test")
    tenant = f.tenant("perm-co", owner=owner, plan="pro", status="trial")
    return tenant, owner


def _path(template: str, world) -> str:
    tenant, owner = world
    return template.format(t=tenant.id, u=owner.id, e=1, i=1, c="sso_0000000000000000", g=1, k="new_editor")


def test_route_list_covers_every_admin_endpoint(server_app):
    registered = {(m, r.rule) for r in server_app.url_map.iter_rules() if r.endpoint.startswith("admin.")
                  for m in r.methods - {"HEAD", "OPTIONS"}}
    listed = {(m, p.replace("{t}", "<tenant_id>").replace("{u}", "<int:user_id>").replace("{e}", "<int:email_id>").replace("{i}", "<int:invoice_id>")
                 .replace("{c}", "<connection_id>").replace("{g}", "<int:grant_id>").replace("{k}", "<key>"))
              for m, p in ROUTES}
    listed = {(m, p) for m, p in listed if "/users/<int:user_id>/" not in p}
    registered = {(m, p) for m, p in registered if "/users/<int:user_id>/" not in p}
    assert registered - listed == {("POST", "/admin/impersonation/stop")}


@pytest.mark.parametrize(("method", "template"), ROUTES)
def test_anonymous_is_sent_to_sign_in(client, world, method, template):
    response = client.open(_path(template, world), method=method, data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(("method", "template"), ROUTES)
def test_tenant_owner_gets_403(as_user, world, method, template):
    tenant, owner = world
    client = as_user(owner)
    token = csrf_token(client, f"/t/{tenant.slug}/")
    response = client.open(_path(template, world), method=method, data={"csrf_token": token})
    assert response.status_code == 403


@pytest.mark.parametrize("template", [p for m, p in ROUTES if m == "GET"])
def test_platform_admin_gets_every_page(as_user, world, template):
    client = as_user(f.user("root@perm.test", admin=True))
    response = client.get(_path(template, world))
    assert response.status_code == 200


def test_admin_post_without_csrf_token_is_refused(as_user, world):
    tenant, _owner = world
    client = as_user(f.user("root@perm.test", admin=True))
    response = client.post(f"/admin/tenants/{tenant.id}/suspend", data={"reason": "no token"})
    assert response.status_code == 400
