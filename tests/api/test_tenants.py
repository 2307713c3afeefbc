"""The release notes' tenant endpoints, with their payloads exactly."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Tenant
from tests import factories


def test_platform_key_creates_a_tenant_with_the_release_notes_payload(world, api):
    response = api.post("/api/v1/tenants/", headers=world.headers("platform"), json={
        "name": "Demo Company", "slug": "demo-company", "owner_email": "admin@demo.test", "plan": "pro"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["slug"] == "demo-company" and body["plan"] == "pro" and body["status"] == "trial"
    assert body["owner"]["email"] == "admin@demo.test"
    assert response.headers["Location"].endswith(f"/api/v1/tenants/{body['id']}")
    db.session.expire_all()
    assert db.session.get(Tenant, body["id"]).name == "Demo Company"


def test_created_tenant_slug_defaults_from_the_name_and_plan_to_free(world, api):
    response = api.post("/api/v1/tenants/", headers=world.headers("platform"),
                        json={"name": "Wayne Analytics", "owner_email": "bruce@wayne.test"})
    assert response.status_code == 201
    assert response.get_json()["slug"] == "wayne-analytics"
    assert response.get_json()["plan"] == "free"


def test_taken_slug_is_409(world, api):
    response = api.post("/api/v1/tenants/", headers=world.headers("platform"),
                        json={"name": "Again", "slug": "acme", "owner_email": "x@y.test"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "slug_taken"


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "X Co", "slug": "Bad Slug!", "owner_email": "x@y.test"}, "slug"),
    ({"name": "X Co", "slug": "xco", "owner_email": "not-an-email"}, "owner_email"),
    ({"name": "X Co", "slug": "xco", "owner_email": "x@y.test", "plan": "platinum"}, "plan"),
    ({"slug": "xco", "owner_email": "x@y.test"}, "name"),
    ({"name": 42, "owner_email": "x@y.test"}, "name"),
])
def test_invalid_tenant_is_422_naming_the_field(world, api, body, field):
    response = api.post("/api/v1/tenants/", headers=world.headers("platform"), json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["fields"]


def test_invalid_fields_are_reported_together(world, api):
    response = api.post("/api/v1/tenants/", headers=world.headers("platform"), json={
        "name": "N" * 121, "slug": "Bad Slug!", "owner_email": "x@y.test", "plan": "platinum"})
    assert response.status_code == 422
    fields = response.get_json()["error"]["details"]["fields"]
    assert set(fields) == {"name", "slug", "plan"}
    assert db.session.query(Tenant).filter(Tenant.name.startswith("NNN")).count() == 0


def test_malformed_json_and_unknown_fields_are_400(world, api):
    headers = {**world.headers("platform"), "Content-Type": "application/json"}
    malformed = api.post("/api/v1/tenants/", headers=headers, data="{not json")
    assert malformed.status_code == 400
    assert malformed.get_json()["error"]["code"] == "malformed_json"
    unknown = api.post("/api/v1/tenants/", headers=world.headers("platform"),
                       json={"name": "X", "owner_email": "x@y.test", "colour": "red"})
    assert unknown.status_code == 400
    assert unknown.get_json()["error"]["code"] == "unknown_field"
    assert unknown.get_json()["error"]["details"]["unknown"] == ["colour"]


def test_oversized_body_is_413(world, api):
    response = api.post("/api/v1/tenants/", headers=world.headers("platform"),
                        json={"name": "x" * (2 * 1024 * 1024), "owner_email": "x@y.test"})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_list_filters_by_status_plan_and_search(world, api):
    factories.tenant("hooli", plan="pro", status="suspended", name="Hooli")
    headers = world.headers("platform")
    suspended = api.get("/api/v1/tenants/?status=suspended", headers=headers).get_json()
    assert [t["slug"] for t in suspended["items"]] == ["hooli"]
    pro = api.get("/api/v1/tenants/?plan=pro", headers=headers).get_json()
    assert {t["slug"] for t in pro["items"]} == {"acme", "hooli"}
    found = api.get("/api/v1/tenants/?q=glob", headers=headers).get_json()
    assert [t["slug"] for t in found["items"]] == ["globex"]
    by_owner = api.get("/api/v1/tenants/?q=owner@acme", headers=headers).get_json()
    assert [t["slug"] for t in by_owner["items"]] == ["acme"]


def test_list_is_paginated_with_totals_and_per_page_capped_at_100(world, api):
    for n in range(3):
        factories.tenant(f"filler-{n}")
    headers = world.headers("platform")
    page = api.get("/api/v1/tenants/?per_page=2&page=2", headers=headers).get_json()
    assert page["meta"] == {"page": 2, "per_page": 2, "total": 5, "pages": 3}
    assert len(page["items"]) == 2
    capped = api.get("/api/v1/tenants/?per_page=1000", headers=headers).get_json()
    assert capped["meta"]["per_page"] == 100
    bad = api.get("/api/v1/tenants/?page=zero", headers=headers)
    assert bad.status_code == 422 and bad.get_json()["error"]["details"]["fields"] == {
        "page": ["page must be a positive integer."]}


def test_tenant_is_found_by_id_or_slug(world, api):
    by_slug = api.get("/api/v1/tenants/acme", headers=world.headers("viewer")).get_json()
    by_id = api.get(f"/api/v1/tenants/{world.tenant.id}", headers=world.headers("viewer")).get_json()
    assert by_slug == by_id
    assert by_id["id"] == world.tenant.id and by_id["settings"]["timezone"] == "UTC"


def test_current_tenant_is_the_keys_own_without_naming_it(world, api):
    response = api.get("/api/v1/tenants/current", headers=world.headers("member"))
    assert response.status_code == 200
    assert response.get_json()["slug"] == "acme"


def test_current_tenant_for_a_platform_key_needs_a_name(world, api):
    assert api.get("/api/v1/tenants/current", headers=world.headers("platform")).status_code == 404
    named = api.get("/api/v1/tenants/current", headers={**world.headers("platform"), "X-Tenant-ID": "globex"})
    assert named.get_json()["slug"] == "globex"


def test_admin_renames_and_configures_the_tenant(world, api):
    response = api.patch("/api/v1/tenants/acme", headers=world.headers("admin"), json={
        "name": "Acme Corp", "timezone": "Europe/Berlin", "locale": "zh", "brand_color": "#112233",
        "feature_flags": {"beta_search": True}})
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "Acme Corp"
    assert body["settings"] == {"display_name": "Acme", "timezone": "Europe/Berlin", "locale": "zh",
                                "brand_color": "#112233", "feature_flags": {"beta_search": True},
                                "require_2fa": False}
    db.session.expire_all()
    event = db.session.query(AuditEvent).filter_by(action="tenant.updated", tenant_id=world.tenant.id).one()
    assert event.actor_label == "api-key:admin key"


def test_a_key_turns_require_2fa_on_and_a_non_boolean_is_a_422(world, api):
    response = api.patch("/api/v1/tenants/acme", headers=world.headers("owner"), json={"require_2fa": "yes"})
    assert response.status_code == 422 and "require_2fa" in response.get_json()["error"]["details"]["fields"]
    response = api.patch("/api/v1/tenants/acme", headers=world.headers("owner"), json={"require_2fa": True})
    assert response.status_code == 200 and response.get_json()["settings"]["require_2fa"] is True


@pytest.mark.parametrize("field", ["plan", "owner_id", "owner_email", "id", "isolation_strategy", "created_at"])
def test_patch_refuses_fields_that_change_elsewhere_with_422(world, api, field):
    response = api.patch("/api/v1/tenants/acme", headers=world.headers("owner"), json={field: "x"})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "read_only_field"
    db.session.expire_all()
    assert db.session.get(Tenant, world.tenant.id).plan_code == "pro"


def test_patch_refuses_truly_unknown_fields_with_400(world, api):
    response = api.patch("/api/v1/tenants/acme", headers=world.headers("owner"), json={"favourite_colour": "red"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "unknown_field"


def test_patch_with_a_bad_value_is_422_and_changes_nothing(world, api):
    response = api.patch("/api/v1/tenants/acme", headers=world.headers("owner"),
                         json={"name": "Fine", "timezone": "Mars/Olympus"})
    assert response.status_code == 422
    assert "timezone" in response.get_json()["error"]["details"]["fields"]
    db.session.expire_all()
    assert db.session.get(Tenant, world.tenant.id).name == "Acme"


def test_owner_cannot_change_status(world, api):
    response = api.patch("/api/v1/tenants/acme", headers=world.headers("owner"),
                         json={"status": "active"})
    assert response.status_code == 403


def test_platform_suspends_with_a_reason_and_reactivates(world, api):
    platform = world.headers("platform")
    suspended = api.patch("/api/v1/tenants/acme", headers=platform,
                          json={"status": "suspended", "reason": "Invoice overdue"})
    assert suspended.status_code == 200
    assert suspended.get_json()["status"] == "suspended"
    refused = api.get("/api/v1/tenants/acme", headers=world.headers("owner"))
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "tenant_suspended"
    assert "Invoice overdue" in refused.get_json()["error"]["message"]
    back = api.patch("/api/v1/tenants/acme", headers=platform, json={"status": "active"})
    assert back.get_json()["status"] == "active"
    assert api.get("/api/v1/tenants/acme", headers=world.headers("owner")).status_code == 200


def test_suspending_needs_a_reason(world, api):
    response = api.patch("/api/v1/tenants/acme", headers=world.headers("platform"), json={"status": "suspended"})
    assert response.status_code == 422
    assert "reason" in response.get_json()["error"]["details"]["fields"]


def test_platform_deletes_and_the_tenant_disappears_for_its_members(world, api):
    response = api.delete("/api/v1/tenants/acme", headers=world.headers("platform"))
    assert response.status_code == 200
    assert response.get_json()["status"] == "deleted"
    gone = api.get("/api/v1/tenants/acme", headers=world.headers("owner"))
    assert gone.status_code == 404
    assert gone.get_json()["error"]["code"] == "tenant_not_found"
    assert api.get("/api/v1/tenants/acme", headers=world.headers("platform")).status_code == 200


def test_deleting_an_unknown_tenant_is_404(world, api):
    assert api.delete("/api/v1/tenants/nope", headers=world.headers("platform")).status_code == 404


def test_a_refused_status_change_applies_nothing_else_in_the_body(world, api):
    response = api.patch("/api/v1/tenants/acme", headers=world.headers("platform"),
                         json={"name": "Half Done", "status": "suspended"})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Tenant, world.tenant.id).name == "Acme"


def test_create_reports_every_bad_field_at_once_and_writes_nothing(world, api):
    response = api.post("/api/v1/tenants/", headers=world.headers("platform"),
                        json={"name": "Two\nlines", "slug": "Bad Slug", "owner_email": "", "plan": "gold"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]["fields"]) == {"name", "slug", "owner_email", "plan"}
    assert "single line" in response.get_json()["error"]["details"]["fields"]["name"][0]
    assert db.session.scalar(select(Tenant).where(Tenant.name == "Two\nlines")) is None


def test_patch_refuses_null_where_a_value_is_required_and_names_each_field(world, api):
    response = api.patch("/api/v1/tenants/acme", headers=world.headers("owner"),
                         json={"name": None, "timezone": "Mars/Olympus", "require_2fa": "yes"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]["fields"]) == {"name", "timezone", "require_2fa"}
