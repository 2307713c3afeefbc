"""Connections that point the portal at its own network are refused before any request (SSRF)."""

from __future__ import annotations

import pytest

from app.services.errors import SsoRefused, ValidationError
from app.services.sso import connections
from app.services.sso.egress import ensure_public_destination
from tests.sso.conftest import SYSTEM


@pytest.mark.parametrize("url", ["https://169.254.169.254/latest/meta-data", "https://10.1.2.3/metadata",
                                 "https://192.168.0.1/", "https://[fd00::1]/", "https://0.0.0.0/",
                                 # 127.0.0.1 spelled as one number: loopback, though the URL does not say so.
                                 "https://2130706433/"])
def test_private_and_link_local_destinations_are_refused(url):
    with pytest.raises(SsoRefused) as refused:
        ensure_public_destination(url)
    assert refused.value.code == "sso_destination_refused"


def test_loopback_is_allowed_only_when_the_url_names_it():
    ensure_public_destination("http://127.0.0.1:8080/.well-known/openid-configuration")
    ensure_public_destination("https://localhost/")


def test_saml_metadata_on_the_internal_network_is_refused_with_a_field_error(acme):
    with pytest.raises(ValidationError) as refused:
        connections.create_connection(acme, {"protocol": "saml", "name": "X",
                                             "idp_metadata_url": "https://169.254.169.254/metadata"}, SYSTEM)
    assert "portal's own network" in refused.value.details["fields"]["idp_metadata_url"][0]
