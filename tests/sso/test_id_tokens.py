"""The ID token checks, on tokens made here with real keys: what a hostile or broken provider could send.

The end-to-end flow against the real provider is in test_oidc.py; these are the forgeries a
certified provider will not produce on request.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from app.services.errors import SsoRefused
from app.services.sso.oidc import verify_id_token

ISSUER = "https://idp.acme.test"
CLIENT = "portal-client"
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
PROVIDER_KEY = RSAKey.generate_key(2048, parameters={"kid": "provider-1", "use": "sig"})
ATTACKER_KEY = RSAKey.generate_key(2048, parameters={"kid": "attacker", "use": "sig"})
JWKS = KeySet([PROVIDER_KEY]).as_dict(private=False)


def _claims(**changes) -> dict:
    claims = {"iss": ISSUER, "sub": "ann", "aud": CLIENT, "exp": int(NOW.timestamp()) + 300,
              "iat": int(NOW.timestamp()), "nonce": "the-nonce", "email": "ann@acme.test"}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _token(key=PROVIDER_KEY, alg: str = "RS256", **changes) -> str:
    return jwt.encode({"alg": alg, "kid": key.kid}, _claims(**changes), key)


def _verify(raw: str, nonce: str | None = "the-nonce", now: datetime = NOW) -> dict:
    return verify_id_token(raw, lambda: JWKS, issuer=ISSUER, client_id=CLIENT, nonce=nonce, now=now)


def _refusal(raw: str, **kwargs) -> str:
    with pytest.raises(SsoRefused) as refused:
        _verify(raw, **kwargs)
    return refused.value.code


def test_a_well_formed_token_from_the_providers_key_passes():
    assert _verify(_token())["sub"] == "ann"


def test_alg_none_is_refused():
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(_claims()).encode()).rstrip(b"=").decode()
    assert _refusal(f"{header}.{body}.") == "oidc_bad_algorithm"


def test_an_hmac_token_keyed_with_public_material_is_refused():
    # The classic confusion: HS256 "signed" with something the attacker knows.
    forged = jwt.encode({"alg": "HS256"}, _claims(), OctKey.import_key(b"client-secret-or-public-key-bytes-xx"))
    assert _refusal(forged) == "oidc_bad_algorithm"


def test_a_token_signed_by_an_unknown_key_is_refused():
    assert _refusal(_token(key=ATTACKER_KEY)) == "oidc_bad_signature"


def test_a_token_signed_by_another_key_under_the_providers_kid_is_refused():
    impostor = RSAKey.generate_key(2048, parameters={"kid": "provider-1"})
    assert _refusal(_token(key=impostor)) == "oidc_bad_signature"


def test_a_tampered_payload_is_refused():
    header, _, signature = _token().split(".")
    body = base64.urlsafe_b64encode(json.dumps(_claims(sub="admin")).encode()).rstrip(b"=").decode()
    assert _refusal(f"{header}.{body}.{signature}") == "oidc_bad_signature"


def test_a_missing_nonce_is_refused():
    assert _refusal(_token(nonce=None)) == "oidc_bad_nonce"


def test_a_nonce_from_another_sign_in_is_refused():
    # A token captured from an earlier sign-in carries that sign-in's nonce, not this one's.
    assert _refusal(_token(nonce="an-earlier-nonce")) == "oidc_bad_nonce"


def test_a_token_for_another_application_is_refused():
    assert _refusal(_token(aud="some-other-client")) == "oidc_bad_audience"
    assert _refusal(_token(aud=[CLIENT, "other"], azp="other")) == "oidc_bad_audience"


def test_a_token_from_another_issuer_is_refused():
    assert _refusal(_token(iss="https://evil-idp.example")) == "oidc_bad_issuer"


def test_an_expired_token_is_refused_past_the_allowed_skew():
    expires = int(NOW.timestamp()) - 121
    assert _refusal(_token(exp=expires)) == "oidc_expired"
    # Within two minutes of skew it still passes (clocks differ a little).
    assert _verify(_token(exp=int(NOW.timestamp()) - 119))["sub"] == "ann"


def test_a_token_issued_in_the_future_is_refused():
    assert _refusal(_token(iat=int(NOW.timestamp()) + 600)) == "oidc_not_yet_valid"


def test_garbage_is_refused():
    assert _refusal("not-a-jwt") == "oidc_bad_signature"
