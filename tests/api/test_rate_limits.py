"""Every 429 the API answers is the one docs/api.md and the OpenAPI document describe."""

from __future__ import annotations

import pytest

from app.api.openapi import build_document
from tests import factories


@pytest.mark.app_config(RATELIMIT_ENABLED=True, API_TOKEN_RATE_LIMIT="2 per minute")
def test_token_attempts_past_the_limit_are_429_rate_limited_with_retry_after(api):
    factories.user("olga@acme.test")
    attempts = [api.post("/api/v1/auth/token", json={"email": "olga@acme.test", "password": "wrong-guess-x"})
                for _ in range(3)]
    assert [r.status_code for r in attempts] == [401, 401, 429]
    refused = attempts[-1]
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.headers["X-RateLimit-Limit"] == "2"


def test_the_document_names_each_429_for_what_it_is(app):
    document = build_document()
    responses = document["components"]["responses"]
    assert "rate_limited" in responses["RateLimited"]["description"]
    assert "Retry-After" in responses["RateLimited"]["headers"]
    assert "api_quota_exceeded" in responses["QuotaExceeded"]["description"]
    token = document["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert token["429"] == {"$ref": "#/components/responses/RateLimited"}
    quota = document["paths"]["/api/v1/tenants/{tenant_ref}/quota"]["get"]["responses"]
    assert quota["429"] == {"$ref": "#/components/responses/QuotaExceeded"}
