"""Issue 9, finding 12, the JSON API's side: hostile input is a 4xx with the error envelope."""

from __future__ import annotations

import pytest

DEEP = "[" * 5000 + "]" * 5000


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return response.get_json()["error"]


def test_deeply_nested_json_is_a_400_before_authentication(api):
    for body in (DEEP, '{"email": ' + "[" * 5000 + "]" * 5000 + "}"):
        response = api.post("/api/v1/auth/token", data=body, content_type="application/json")
        error = _error(response, 400)
        assert "nested" in error["message"]


def test_deeply_nested_json_is_a_400_when_authenticated_too(api, world):
    response = api.post("/api/v1/tenants/acme/invitations", key=world.keys["owner"], data=DEEP,
                        content_type="application/json")
    assert "nested" in _error(response, 400)["message"]


def test_brackets_inside_strings_are_not_nesting(api, world):
    response = api.post("/api/v1/auth/token", json={"email": "[" * 5000 + "@x.test", "password": "{" * 100})
    assert response.status_code in (401, 422)  # judged as credentials, not refused as deep JSON


@pytest.mark.parametrize("name, value", [("since", "0001-01-01T00:00:00+14:00"),
                                         ("until", "9999-12-31T23:59:59-14:00"),
                                         ("since", "9999-12-31"), ("until", "0001-01-01T00:00:00")])
def test_audit_filters_at_the_ends_of_time_are_a_422_naming_the_field(api, world, name, value):
    response = api.get("/api/v1/tenants/acme/audit", key=world.keys["owner"], query_string={name: value})
    error = _error(response, 422)
    assert error["details"]["fields"] == {name: [error["message"]]}


def test_audit_filters_inside_the_range_still_filter(api, world):
    response = api.get("/api/v1/tenants/acme/audit", key=world.keys["owner"],
                       query_string={"since": "0001-01-05T00:00:00+14:00", "until": "9999-12-01T00:00:00-14:00"})
    assert response.status_code == 200 and response.get_json()["meta"]["total"] > 0


def test_page_numbers_past_2_to_the_63_are_a_422_and_huge_per_page_is_capped(api, world):
    response = api.get("/api/v1/tenants/acme/audit", key=world.keys["owner"], query_string={"page": str(2**64)})
    assert _error(response, 422)["details"]["fields"].keys() == {"page"}
    response = api.get("/api/v1/tenants/acme/audit", key=world.keys["owner"], query_string={"per_page": "9" * 30})
    assert response.status_code == 200 and response.get_json()["meta"]["per_page"] == 100


def test_a_nul_byte_in_a_query_or_header_is_a_400_envelope(api, world):
    response = api.get("/api/v1/tenants/acme/audit", key=world.keys["owner"], query_string={"actor": "a\x00"})
    assert _error(response, 400)["code"] == "bad_request"
    response = api.get("/api/v1/documents", key=world.keys["owner"], headers={"X-Tenant-ID": "acme\x00"})
    assert _error(response, 400)["code"] == "bad_request"
    response = api.get("/api/v1/tenants/ac%00me/audit", key=world.keys["owner"])
    assert _error(response, 404)["code"] == "not_found"


@pytest.mark.parametrize("name, value", [("page", "0"), ("per_page", "0"), ("page", "-1"), ("per_page", "00"),
                                         ("page", "1.5"), ("per_page", ""), ("page", "-" + "9" * 5000)])
def test_page_numbers_below_one_are_still_a_422(api, world, name, value):
    response = api.get("/api/v1/tenants/acme/audit", key=world.keys["owner"], query_string={name: value})
    error = _error(response, 422)
    assert error["details"]["fields"].keys() == {name} and "positive integer" in error["message"]


def test_a_page_number_of_5000_digits_is_the_last_page_not_a_500(api, world):
    response = api.get("/api/v1/tenants/acme/audit", key=world.keys["owner"], query_string={"page": "9" * 5000})
    assert _error(response, 422)["details"]["fields"].keys() == {"page"}  # "at most 1000000"
