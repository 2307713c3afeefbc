"""SAML 2.0 against a real pysaml2 IdP (xmlsec1 signatures): sign-in, and every attack refused and audited."""

from __future__ import annotations

from base64 import b64decode
from datetime import timedelta

import pytest
from lxml import etree

from app.models import SamlAssertionSeen, SsoIdentity, User, UserSession
from app.models.types import utcnow
from app.services import tenants
from app.services.errors import SsoRefused, ValidationError
from app.services.sso import connections, saml
from tests.sso.conftest import PORTAL, SYSTEM
from tests.sso.saml_idp import redirect_query
from tests.sso.support import refusals


@pytest.fixture
def connection(acme, saml_idp, client):
    created = connections.create_connection(acme, {
        "protocol": "saml", "name": "Acme SAML", "idp_metadata_xml": saml_idp.metadata(),
        "group_roles": {"portal-admins": "admin"}}, SYSTEM)
    saml_idp.trust(client.get(f"/sso/saml/{created.id}/metadata").get_data(as_text=True))
    return created


def _begin(client, connection, next_path: str | None = None) -> dict[str, str]:
    query = f"?next={next_path}" if next_path else ""
    start = client.get(f"/sso/start/{connection.id}{query}")
    assert start.status_code == 302 and start.location.startswith("http://127.0.0.1:")
    return redirect_query(start.location)


def _post(client, connection, saml_response: str, relay_state: str):
    return client.post(f"/sso/saml/{connection.id}/acs", data={"SAMLResponse": saml_response,
                                                             "RelayState": relay_state})


def _sign_in(client, connection, saml_idp, login: str = "sam", **variant):
    pending = _begin(client, connection)
    acs, response = saml_idp.response(pending["SAMLRequest"], login, **variant)
    assert acs == f"{PORTAL}/sso/saml/{connection.id}/acs"
    return _post(client, connection, response, pending["RelayState"]), response, pending


def test_sp_metadata_names_our_entity_id_and_acs(client, connection):
    metadata = client.get(f"/sso/saml/{connection.id}/metadata")
    assert metadata.mimetype == "application/samlmetadata+xml"
    body = metadata.get_data(as_text=True)
    assert f'entityID="{PORTAL}/sso/saml/{connection.id}/metadata"' in body
    assert f'Location="{PORTAL}/sso/saml/{connection.id}/acs"' in body


def test_a_signed_assertion_signs_the_person_in_with_their_mapped_role(client, acme, connection, saml_idp):
    response, _, _ = _sign_in(client, connection, saml_idp)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    assert response.location == "/t/acme/"
    sam = User.query.filter_by(email="sam@acme.test").one()
    assert sam.name == "Sam Saml" and tenants.role_of(acme.id, sam.id) == "admin"
    assert SsoIdentity.query.filter_by(connection_id=connection.id).one().subject == "sam-persistent-id"
    # The one sign-in finish: a server-side session bound to the tenant, SSO counting as a second factor.
    record = UserSession.query.filter_by(user_id=sam.id).one()
    assert (record.method, record.mfa, record.tenant_id) == ("saml", True, acme.id)


def test_an_unsigned_response_is_refused(client, connection, saml_idp):
    response, _, _ = _sign_in(client, connection, saml_idp, signed=False)
    assert response.status_code == 400
    assert User.query.filter_by(email="sam@acme.test").count() == 0
    assert refusals("saml_bad_signature")


def test_an_assertion_signed_by_another_key_is_refused(client, connection, saml_idp):
    response, _, _ = _sign_in(client, connection, saml_idp, signing="attacker")
    assert response.status_code == 400
    assert User.query.filter_by(email="sam@acme.test").count() == 0
    assert refusals("saml_bad_signature")


def test_signature_wrapping_with_a_second_unsigned_assertion_is_refused(client, acme, connection, saml_idp):
    response, _, _ = _sign_in(client, connection, saml_idp, wrap_as="olga@acme.test")
    assert response.status_code == 400
    assert SsoIdentity.query.count() == 0
    assert refusals() and not refusals("oidc_state_mismatch")


def test_a_response_for_another_audience_is_refused(client, connection, saml_idp):
    response, _, _ = _sign_in(client, connection, saml_idp, audience="https://another-sp.example/metadata")
    assert response.status_code == 400
    assert refusals("saml_bad_audience")


def test_an_expired_assertion_is_refused(client, connection, saml_idp, clock):
    pending = _begin(client, connection)
    _, saml_response = saml_idp.response(pending["SAMLRequest"], "sam")
    # Past the IdP's 5-minute NotOnOrAfter plus the 5 minutes of clock drift python3-saml allows.
    clock(utcnow() + timedelta(minutes=11))
    response = _post(client, connection, saml_response, pending["RelayState"])
    assert response.status_code == 400
    assert User.query.filter_by(email="sam@acme.test").count() == 0
    assert refusals("saml_expired"), [e.details for e in refusals()]


def test_a_replayed_response_is_refused(client, connection, saml_idp):
    first, saml_response, pending = _sign_in(client, connection, saml_idp)
    assert first.status_code == 302
    replay = _post(client, connection, saml_response, pending["RelayState"])
    assert replay.status_code == 400


def test_the_replay_cache_refuses_an_assertion_id_seen_before(connection, saml_idp, client):
    # Behind the ACS (which also spends the RelayState): the assertion ID itself is kept until it expires.
    pending = _begin(client, connection)
    _, saml_response = saml_idp.response(pending["SAMLRequest"], "sam")
    endpoints = {"sp_entity_id": f"{PORTAL}/sso/saml/{connection.id}/metadata",
                 "acs_url": f"{PORTAL}/sso/saml/{connection.id}/acs", "public_url": PORTAL}
    in_response_to = etree.fromstring(b64decode(saml_response)).get("InResponseTo")
    person = saml.finish(connection, saml_response, in_response_to, now=utcnow(), **endpoints)
    assert person.email == "sam@acme.test"
    assert SamlAssertionSeen.query.count() == 1
    with pytest.raises(SsoRefused) as replayed:
        saml.finish(connection, saml_response, in_response_to, now=utcnow(), **endpoints)
    assert replayed.value.code == "saml_replay"


def test_an_unsolicited_or_foreign_relay_state_is_refused(client, connection, saml_idp):
    pending = _begin(client, connection)
    _, saml_response = saml_idp.response(pending["SAMLRequest"], "sam")
    response = _post(client, connection, saml_response, "https://evil.example/")
    assert response.status_code == 400
    assert refusals("saml_unknown_relay_state")
    assert User.query.filter_by(email="sam@acme.test").count() == 0


def test_a_response_finished_in_another_browser_is_refused(client, connection, saml_idp):
    pending = _begin(client, connection)
    _, saml_response = saml_idp.response(pending["SAMLRequest"], "sam")
    victim = client.application.test_client()
    assert _post(victim, connection, saml_response, pending["RelayState"]).status_code == 400
    assert refusals("saml_unknown_relay_state")


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/"])
def test_next_is_never_an_open_redirect(client, connection, saml_idp, target):
    pending = _begin(client, connection, next_path=target)
    _, saml_response = saml_idp.response(pending["SAMLRequest"], "sam")
    response = _post(client, connection, saml_response, pending["RelayState"])
    assert response.status_code == 302 and response.location == "/t/acme/"


def test_bad_metadata_is_refused_with_a_field_error(acme):
    with pytest.raises(ValidationError) as refused:
        connections.create_connection(acme, {"protocol": "saml", "name": "X", "idp_metadata_xml": "<nope/>"},
                                      SYSTEM)
    assert "idp_metadata_xml" in refused.value.details["fields"]


def test_metadata_by_url_is_fetched(acme, saml_idp):
    created = connections.create_connection(acme, {"protocol": "saml", "name": "By URL",
                                                   "idp_metadata_url": f"{saml_idp.base}/metadata"}, SYSTEM)
    assert created.settings["idp_entity_id"] == saml_idp.entity_id
    assert created.settings["idp_sso_url"] == f"{saml_idp.base}/sso"
