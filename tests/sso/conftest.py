"""The SSO tests' world: real identity providers and a DNS server (tests/sso/idps.py), started once
per session, and an organisation (Acme) that has verified acme.test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.models import Tenant
from app.services import domains
from app.services.authority import Authority
from tests import factories as f
from tests.sso.idps import Directory, OidcProvider, TxtServer

SYSTEM = Authority.system()
PORTAL = "http://portal.test"
CALLBACK = f"{PORTAL}/sso/oidc/callback"
IDP_ACCOUNTS = {
    "ann": {"email": "ann@acme.test", "name": "Ann Admin", "groups": ["portal-admins"]},
    "bob": {"email": "bob@acme.test", "name": "Bob Builder", "groups": []},
    "eve": {"email": "eve@globex.test", "name": "Eve Elsewhere", "groups": []},
}


@pytest.fixture(autouse=True)
def _app_context(app):
    """Every SSO test builds its world through the services, inside the app's context."""
    return app


@pytest.fixture(scope="session")
def oidc_idp() -> Iterator[OidcProvider]:
    provider = OidcProvider(IDP_ACCOUNTS)
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def oidc_client(oidc_idp) -> tuple[str, str]:
    """A client registered at the IdP for the portal's test address (dynamic registration)."""
    return oidc_idp.register_client(CALLBACK)


@pytest.fixture(scope="session")
def directory(tmp_path_factory) -> Iterator[Directory]:
    server = Directory(tmp_path_factory.mktemp("slapd"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _dns_server() -> Iterator[TxtServer]:
    server = TxtServer()
    yield server
    server.stop()


@pytest.fixture
def dns(_dns_server) -> TxtServer:
    _dns_server.clear()
    return _dns_server


@pytest.fixture
def server_app(server_app, _dns_server):
    """The app behind `client` asks the test DNS server (DNS_RESOLVER)."""
    server_app.config["DNS_RESOLVER"] = _dns_server.address
    return server_app


def verify_domain(tenant: Tenant, domain: str, dns: TxtServer):
    """Claim and verify `domain` for `tenant` through the real DNS lookup."""
    claimed = domains.add_domain(tenant, domain, SYSTEM)
    dns.set(domains.txt_name(claimed), domains.txt_value(claimed))
    return domains.verify_domain(tenant, claimed.id, SYSTEM, resolver_address=dns.address)


@pytest.fixture
def acme(dns) -> Tenant:
    """Acme (Free plan, owner olga@acme.test) with acme.test verified."""
    tenant = f.tenant("acme", plan="pro", owner=f.user("olga@acme.test", name="Olga Owner"), name="Acme")
    verify_domain(tenant, "acme.test", dns)
    return tenant


@pytest.fixture
def globex(dns) -> Tenant:
    tenant = f.tenant("globex", plan="pro", owner=f.user("gus@globex.test", name="Gus Globex"), name="Globex")
    verify_domain(tenant, "globex.test", dns)
    return tenant


@pytest.fixture(scope="session")
def saml_idp(tmp_path_factory):
    from tests.sso.saml_idp import SamlIdp

    idp = SamlIdp(tmp_path_factory.mktemp("saml-idp"))
    yield idp
    idp.stop()
