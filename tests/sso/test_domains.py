"""Verified domains: the TXT record is looked up over DNS (a real server on 127.0.0.1)."""

from __future__ import annotations

import pytest

from app.models import AuditEvent
from app.services import domains
from app.services.errors import Conflict, ValidationError
from tests import factories as f
from tests.conftest import csrf_token
from tests.sso.conftest import SYSTEM, verify_domain


def test_a_domain_is_verified_by_the_txt_record_it_shows(dns):
    tenant = f.tenant("acme")
    claimed = domains.add_domain(tenant, "Acme.TEST.", SYSTEM)
    assert (claimed.domain, claimed.status) == ("acme.test", "pending")
    assert domains.txt_name(claimed) == "_tenantry-challenge.acme.test"

    with pytest.raises(ValidationError) as refused:
        domains.verify_domain(tenant, claimed.id, SYSTEM, resolver_address=dns.address)
    assert refused.value.code == "domain_not_verified" and "no TXT record" in refused.value.message

    dns.set("_tenantry-challenge.acme.test", "some-other-record", domains.txt_value(claimed))
    verified = domains.verify_domain(tenant, claimed.id, SYSTEM, resolver_address=dns.address)
    assert verified.status == "verified" and verified.verified_at is not None
    assert domains.tenant_has_verified_domain(tenant, "acme.test")


def test_a_wrong_token_is_refused_and_says_what_it_found(dns):
    tenant = f.tenant("acme")
    claimed = domains.add_domain(tenant, "acme.test", SYSTEM)
    dns.set(domains.txt_name(claimed), "tenantry-verification=guess")
    with pytest.raises(ValidationError) as refused:
        domains.verify_domain(tenant, claimed.id, SYSTEM, resolver_address=dns.address)
    assert "tenantry-verification=guess" in refused.value.message
    assert domains.get_domain(tenant, claimed.id).status == "pending"


def test_a_domain_is_verified_by_one_tenant_only(dns):
    acme, globex = f.tenant("acme"), f.tenant("globex")
    verify_domain(acme, "shared.test", dns)
    with pytest.raises(Conflict) as taken:
        domains.add_domain(globex, "shared.test", SYSTEM)
    assert taken.value.code == "domain_taken"
    assert not domains.tenant_has_verified_domain(globex, "shared.test")
    event = AuditEvent.query.filter_by(action="security.domain_claim_refused").one()
    assert (event.tenant_id, event.details["verified_by"]) == (globex.id, acme.id)


def test_two_pending_claims_race_and_the_second_verification_loses(dns):
    acme, globex = f.tenant("acme"), f.tenant("globex")
    first = domains.add_domain(acme, "contested.test", SYSTEM)
    second = domains.add_domain(globex, "contested.test", SYSTEM)
    dns.set("_tenantry-challenge.contested.test", domains.txt_value(first), domains.txt_value(second))
    domains.verify_domain(acme, first.id, SYSTEM, resolver_address=dns.address)
    with pytest.raises(Conflict):
        domains.verify_domain(globex, second.id, SYSTEM, resolver_address=dns.address)
    assert domains.verified_owner("contested.test").tenant_id == acme.id


@pytest.mark.parametrize("public", ["gmail.com", "outlook.com", "qq.com", "163.com", "Yahoo.com"])
def test_public_mail_domains_are_refused(public):
    with pytest.raises(ValidationError) as refused:
        domains.add_domain(f.tenant("acme"), public, SYSTEM)
    assert refused.value.code == "public_mail_domain"


@pytest.mark.parametrize("bad", ["", "localhost", "not a domain", "-acme.test", "acme..test", "http://acme.test"])
def test_malformed_domains_are_refused(bad):
    with pytest.raises(ValidationError):
        domains.normalize_domain(bad)


def test_owner_adds_and_verifies_a_domain_in_the_portal(client, as_user, dns):
    owner = f.user("olga@acme.test")
    tenant = f.tenant("acme", owner=owner)
    as_user(owner)
    token = csrf_token(client, "/t/acme/settings/domains")
    response = client.post("/t/acme/settings/domains", data={"csrf_token": token, "domain": "acme.test"})
    assert response.status_code == 302
    page = client.get("/t/acme/settings/domains").get_data(as_text=True)
    claimed = domains.list_domains(tenant)[0]
    assert domains.txt_name(claimed) in page and domains.txt_value(claimed) in page

    dns.set(domains.txt_name(claimed), domains.txt_value(claimed))
    client.post(f"/t/acme/settings/domains/{claimed.id}/verify", data={"csrf_token": token})
    page = client.get("/t/acme/settings/domains").get_data(as_text=True)
    assert "acme.test is verified." in page
    assert AuditEvent.query.filter_by(action="domain.verified", tenant_id=tenant.id).count() == 1


def test_every_field_error_shows_on_the_domain_form(client, as_user):
    owner = f.user("olga@acme.test")
    f.tenant("acme", owner=owner)
    as_user(owner)
    token = csrf_token(client, "/t/acme/settings/domains")
    response = client.post("/t/acme/settings/domains", data={"csrf_token": token, "domain": "gmail.com"})
    assert response.status_code == 422
    assert "public mail provider" in response.get_data(as_text=True)


def test_an_admin_cannot_manage_domains_and_another_tenant_gets_404(client, as_user, dns):
    owner = f.user("olga@acme.test")
    acme = f.tenant("acme", owner=owner)
    claimed = domains.add_domain(acme, "acme.test", SYSTEM)
    admin = f.member(acme, "admin")
    as_user(admin)
    assert client.get("/t/acme/settings/domains").status_code == 403

    stranger = f.user("gus@globex.test")
    f.tenant("globex", owner=stranger)
    as_user(stranger)
    token = csrf_token(client, "/t/globex/settings/domains")
    assert client.get("/t/acme/settings/domains").status_code == 404
    # Globex's owner naming Acme's domain id under Globex: not found, and nothing changes.
    assert client.post(f"/t/globex/settings/domains/{claimed.id}/delete", data={"csrf_token": token}).status_code == 404
    assert domains.get_domain(acme, claimed.id).domain == "acme.test"
