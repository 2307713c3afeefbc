"""The SSO API (/api/v1/tenants/{id}/sso/connections, /domains): what the portal does, as JSON."""

from __future__ import annotations

from app.services import domains
from tests import factories as f
from tests.api.conftest import bearer
from tests.sso.conftest import verify_domain

API = "/api/v1/tenants"


def test_owner_creates_an_oidc_connection_and_gets_the_redirect_uri_never_the_secret(client, acme, oidc_idp):
    key = bearer(f.api_key(acme, "owner"))
    response = client.post(f"{API}/acme/sso/connections", headers=key, json={
        "type": "oidc", "name": "Okta", "issuer": oidc_idp.issuer, "client_id": "portal", "client_secret": "s3cret-value",
        "default_role": "viewer", "group_roles": {"portal-admins": "admin"}})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["redirect_uri"] == "http://portal.test/sso/oidc/callback"
    assert body["type"] == "oidc" and body["default_role"] == "viewer" and "s3cret-value" not in response.get_data(True)

    listed = client.get(f"{API}/acme/sso/connections", headers=key).get_json()
    assert [c["id"] for c in listed["items"]] == [body["id"]]
    patched = client.patch(f"{API}/acme/sso/connections/{body['id']}", headers=key, json={"status": "disabled"})
    assert patched.status_code == 200 and patched.get_json()["status"] == "disabled"
    assert client.delete(f"{API}/acme/sso/connections/{body['id']}", headers=key).status_code == 200
    assert client.get(f"{API}/acme/sso/connections/{body['id']}", headers=key).status_code == 404


def test_a_saml_connection_answers_what_to_register(client, acme, saml_idp):
    key = bearer(f.api_key(acme, "admin"))
    response = client.post(f"{API}/acme/sso/connections", headers=key, json={
        "type": "saml", "name": "ADFS", "idp_metadata_xml": saml_idp.metadata()})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["acs_url"] == f"http://portal.test/sso/saml/{body['id']}/acs"
    assert body["entity_id"] == body["metadata_url"] == f"http://portal.test/sso/saml/{body['id']}/metadata"


def test_every_field_error_comes_back_at_once(client, acme):
    key = bearer(f.api_key(acme, "owner"))
    response = client.post(f"{API}/acme/sso/connections", headers=key, json={
        "type": "ldap", "name": "Dir", "host": "ldap.acme.test", "security": "plain", "port": 0})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]["fields"]) >= {"security", "port", "base_dn", "user_dn_template"}


def test_domains_are_added_pending_and_verified_over_dns(client, dns):
    owner = f.user("olga@acme.test")
    tenant = f.tenant("acme", plan="pro", owner=owner)
    key = bearer(f.api_key(tenant, "owner"))
    response = client.post(f"{API}/acme/domains", headers=key, json={"domain": "acme.test"})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["status"], body["txt_name"]) == ("pending", "_tenantry-challenge.acme.test")
    refused = client.post(f"{API}/acme/domains/{body['id']}/verify", headers=key)
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "domain_not_verified"
    dns.set(body["txt_name"], body["txt_value"])
    verified = client.post(f"{API}/acme/domains/{body['id']}/verify", headers=key)
    assert verified.status_code == 200 and verified.get_json()["status"] == "verified"
    assert client.delete(f"{API}/acme/domains/{body['id']}", headers=key).status_code == 200
    assert domains.list_domains(tenant) == []


def test_another_tenant_cannot_reach_a_connection_or_domain_by_id(client, acme, globex, dns):
    created = client.post(f"{API}/acme/sso/connections", headers=bearer(f.api_key(acme, "owner")), json={
        "type": "oidc", "name": "Acme", "issuer": "https://idp.acme.test", "client_id": "c", "client_secret": "s"})
    connection_id = created.get_json()["id"]
    acme_domain = domains.list_domains(acme)[0].id
    theirs = bearer(f.api_key(globex, "owner"))
    assert client.get(f"{API}/globex/sso/connections/{connection_id}", headers=theirs).status_code == 404
    assert client.patch(f"{API}/globex/sso/connections/{connection_id}", headers=theirs,
                        json={"name": "Hijacked"}).status_code == 404
    assert client.delete(f"{API}/globex/sso/connections/{connection_id}", headers=theirs).status_code == 404
    assert client.get(f"{API}/acme/sso/connections", headers=theirs).status_code == 404
    assert client.delete(f"{API}/globex/domains/{acme_domain}", headers=theirs).status_code == 404
    assert client.get(f"{API}/acme/sso/connections/{connection_id}",
                      headers=bearer(f.api_key(acme, "owner"))).get_json()["name"] == "Acme"


def test_a_member_key_may_not_manage_sso_and_an_admin_may_not_manage_domains(client, acme):
    assert client.get(f"{API}/acme/sso/connections", headers=bearer(f.api_key(acme, "member"))).status_code == 403
    assert client.get(f"{API}/acme/domains", headers=bearer(f.api_key(acme, "admin"))).status_code == 403


def test_a_domain_verified_by_another_tenant_cannot_be_claimed(client, acme, globex, dns):
    verify_domain(globex, "globex-two.test", dns)
    response = client.post(f"{API}/acme/domains", headers=bearer(f.api_key(acme, "owner")),
                           json={"domain": "globex-two.test"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "domain_taken"
    assert domains.list_domains(acme)[0].domain == "acme.test" and len(domains.list_domains(acme)) == 1
