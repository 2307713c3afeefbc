"""One error envelope everywhere under /api, and never a stack trace."""

from __future__ import annotations

import logging

import pytest


def _envelope(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}
    assert {"code", "message", "details"} <= set(body["error"])
    return body["error"]


def test_unknown_route_and_wrong_method_answer_in_the_envelope(world, api):
    assert _envelope(api.get("/api/v1/nothing-here"))["code"] == "not_found"
    wrong = api.call("PUT", "/api/v1/tenants/acme", headers=world.headers("owner"))
    assert wrong.status_code == 405 and _envelope(wrong)["code"] == "method_not_allowed"
    # RFC 9110: a 405 says which methods the resource does answer.
    assert set(wrong.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "PATCH", "DELETE"}


def test_a_portal_page_s_405_names_its_methods_too(client):
    wrong = client.delete("/login")
    assert wrong.status_code == 405 and set(wrong.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_missing_credentials_is_401_with_a_bearer_challenge(api):
    response = api.get("/api/v1/tenants/acme")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert _envelope(response)["code"] == "unauthorized"


def test_body_that_is_not_an_object_is_400(world, api):
    response = api.post("/api/v1/tenants/acme/users", headers=world.headers("admin"), json=["not", "an", "object"])
    assert response.status_code == 400 and _envelope(response)["code"] == "malformed_json"


def test_validation_errors_name_their_fields(world, api):
    response = api.post("/api/v1/tenants/acme/users", headers=world.headers("admin"), json={"email": "", "role": "boss"})
    assert response.status_code == 422
    # Every invalid field at once, not only the first.
    fields = _envelope(response)["details"]["fields"]
    assert fields.keys() == {"email", "role"} and fields["email"] == ["email is required."]


def test_every_invalid_field_of_a_key_is_reported_and_unknown_fields_stay_400(world, api):
    bad = api.post("/api/v1/tenants/acme/api-keys", headers=world.headers("owner"), json={"name": "  ", "role": 7})
    assert bad.status_code == 422 and _envelope(bad)["details"]["fields"].keys() == {"name", "role"}
    unknown = api.post("/api/v1/tenants/acme/api-keys", headers=world.headers("owner"),
                       json={"name": "ci", "scopes": ["all"]})
    assert unknown.status_code == 400 and _envelope(unknown)["code"] == "unknown_field"
    assert _envelope(unknown)["details"]["unknown"] == ["scopes"]


def test_nul_characters_are_refused_not_stored(world, api):
    response = api.patch("/api/v1/tenants/acme", headers=world.headers("owner"), json={"name": "A\u0000B"})
    assert response.status_code == 422 and "name" in _envelope(response)["details"]["fields"]


@pytest.fixture
def exploding_server(server_app):
    """A route that fails the way a bug would, on the app instance that serves the client."""

    def explode():
        raise RuntimeError("SELECT secret FROM internals -- boom")

    server_app.add_url_rule("/api/v1/_explode", "explode", explode)
    return server_app


def test_a_crash_is_a_500_envelope_with_a_request_id_that_is_in_the_log(exploding_server, api, caplog):
    with caplog.at_level(logging.ERROR):
        response = api.get("/api/v1/_explode", headers={"X-Request-ID": "req-12345678"})
    assert response.status_code == 500
    error = _envelope(response)
    assert error["code"] == "internal_error" and error["request_id"] == "req-12345678"
    text = response.get_data(as_text=True)
    assert "SELECT" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert any("req-12345678" in record.getMessage() for record in caplog.records)
