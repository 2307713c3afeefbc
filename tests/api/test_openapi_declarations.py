"""What the document promises beyond shapes: declared conflicts, and bodies generated from the models."""

from __future__ import annotations

from app.api.openapi import build_document


def test_operations_taking_the_tenant_from_header_and_query_declare_tenant_conflict(app):
    document = build_document()
    checked = 0
    for path, item in document["paths"].items():
        for operation in item.values():
            if not isinstance(operation, dict) or "parameters" not in operation:
                continue
            names = {(p.get("in"), p.get("name")) for p in operation["parameters"] if "name" in p}
            if {("header", "X-Tenant-ID"), ("query", "tenant_id")} <= names:
                checked += 1
                assert operation["responses"]["400"] == {"$ref": "#/components/responses/TenantConflict"}, path
    assert checked >= 5
    example = document["components"]["responses"]["TenantConflict"]["content"]["application/json"]["example"]
    assert example["error"]["code"] == "tenant_conflict"


def test_a_tenant_conflict_is_what_the_document_says(world, api):
    response = api.get("/api/v1/tenants/current?tenant_id=globex", headers={**world.headers("platform"),
                                                                           "X-Tenant-ID": "acme"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "tenant_conflict"


def test_request_bodies_come_from_the_models_with_the_services_limits(app):
    from app.services import accounts, api_keys

    schemas = build_document()["components"]["schemas"]
    assert schemas["MemberAdd"]["properties"]["email"]["maxLength"] == accounts.EMAIL_MAX_LENGTH
    assert schemas["ApiKeyCreate"]["properties"]["name"]["maxLength"] == api_keys.NAME_MAX_LENGTH
    assert schemas["Role"]["enum"] == ["owner", "admin", "member", "viewer"]
    assert schemas["MemberAdd"]["additionalProperties"] is False


def test_plan_quota_and_audit_schemas_come_from_their_models(app):
    from app.models import PLAN_CODES

    schemas = build_document()["components"]["schemas"]
    assert schemas["PlanChange"]["properties"]["new_plan"]["enum"] == list(PLAN_CODES)
    assert schemas["PlanChange"]["additionalProperties"] is False
    assert set(schemas["QuotaLines"]["required"]) == {"users", "storage", "api_calls"}
    assert schemas["AuditEvent"]["properties"]["created_at"]["format"] == "date-time"
    assert schemas["SearchPassage"]["properties"]["score"]["minimum"] == 0


def test_every_operation_taking_an_id_is_reached_by_a_link(app):
    """Without links the stateful phase (and a client) only reaches these with made-up ids: 404s."""
    document = build_document()
    linked = {link["operationId"] for item in document["paths"].values() for key, op in item.items()
              if key != "parameters" for response in op["responses"].values()
              for link in response.get("links", {}).values()}
    taking_ids = set()
    for item in document["paths"].values():
        for key, operation in item.items():
            if key == "parameters":
                continue
            names = {p.get("name") for p in [*item.get("parameters", []), *operation.get("parameters", [])]
                     if p.get("in") == "path"}
            if names - {None, "tenant_ref"}:
                taking_ids.add(operation["operationId"])
    assert taking_ids and taking_ids <= linked, sorted(taking_ids - linked)


def test_the_single_line_pattern_refuses_exactly_what_the_service_refuses():
    import re
    import unicodedata

    from app.services import tenants

    for code in range(0x3000):
        char = chr(code)
        refused = unicodedata.category(char) in ("Cc", "Zl", "Zp")
        assert (re.match(tenants.SINGLE_LINE_PATTERN, f"a{char}b") is None) is refused, hex(code)


def test_tenant_bodies_come_from_the_models(app):
    from app.services import tenants

    schemas = build_document()["components"]["schemas"]
    create, update = schemas["TenantCreate"], schemas["TenantUpdate"]
    assert create["additionalProperties"] is False and set(create["required"]) == {"name", "owner_email"}
    assert create["properties"]["slug"]["pattern"] == tenants.SLUG_PATTERN
    assert create["properties"]["name"]["maxLength"] == tenants.NAME_MAX_LENGTH
    assert update["dependentRequired"] == {"reason": ["status"]}
    assert schemas["Tenant"]["properties"]["status"] == {"$ref": "#/components/schemas/TenantStatus"}
