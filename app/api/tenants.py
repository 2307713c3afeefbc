"""JSON API: tenants (create, list, read, update, status, delete).

Creating and listing all tenants, changing a tenant's status and deleting it belong to platform
admins. Tenant owners and admins rename their tenant and change its settings; everyone in it reads.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from flask import jsonify, url_for

from app.api import bp
from app.api.openapi import json_request, json_response, list_schema, nullable, ref, tenant_responses, text
from app.api.params import iso, page_body, paging_args, query_choice, query_text
from app.api.payload import BadRequest, choice_field, json_body, present_string, string_field
from app.extensions import db
from app.models import ISOLATION_STRATEGIES, PLAN_SEED, TENANT_STATUSES, Tenant
from app.services import plans, tenants
from app.services.errors import PermissionDenied, ValidationError
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority, current_principal

CREATE_FIELDS = {"name", "slug", "owner_email", "plan", "owner_name", "isolation_strategy"}
SETTINGS_FIELDS = set(tenants.SETTINGS_FIELDS)
UPDATE_FIELDS = {"name", "slug", *SETTINGS_FIELDS}
STATUS_FIELDS = {"status", "reason"}
SETTABLE_STATUSES = ("active", "suspended", "expired")
# Fields a client might reasonably try to PATCH but that change only through their own operation:
# refused with 422 (naming the way to do it) rather than 400, and never silently applied.
READ_ONLY_FIELDS = {
    "id": "The id never changes.",
    "tenant_id": "The id never changes.",
    "plan": "Change the plan with POST /tenants/{id}/change-plan.",
    "plan_code": "Change the plan with POST /tenants/{id}/change-plan.",
    "new_plan": "Change the plan with POST /tenants/{id}/change-plan.",
    "owner": "Ownership changes by transfer, in the portal.",
    "owner_id": "Ownership changes by transfer, in the portal.",
    "owner_email": "Ownership changes by transfer, in the portal.",
    "created_at": "Read-only.",
    "deleted_at": "Delete with DELETE /tenants/{id}.",
    "trial_ends_at": "Trials are extended by platform admins in the admin console.",
    "suspended_reason": "Send `reason` together with `status`.",
    "isolation_strategy": "The isolation strategy is chosen when the tenant is created.",
    "storage_used_bytes": "Read-only: the workspace maintains it.",
    "quotas": "Quota overrides are set by platform admins in the admin console.",
}


def tenant_json(tenant: Tenant) -> dict[str, Any]:
    config = tenant.config
    return {
        "id": tenant.id,
        "slug": tenant.slug,
        "name": tenant.name,
        "status": tenants.effective_status(tenant),
        "plan": tenant.plan_code,
        "owner": {"id": tenant.owner.id, "email": tenant.owner.email} if tenant.owner else None,
        "created_at": iso(tenant.created_at),
        "trial_ends_at": iso(tenant.trial_ends_at),
        "suspended_reason": tenant.suspended_reason,
        "deleted_at": iso(tenant.deleted_at),
        "isolation_strategy": tenant.isolation_strategy,
        "settings": {
            "display_name": config.display_name if config else None,
            "timezone": config.timezone if config else "UTC",
            "locale": config.locale if config else "en",
            "brand_color": config.brand_color if config else None,
            "feature_flags": dict(config.feature_flags or {}) if config else {},
            "require_2fa": bool(config and config.require_2fa),
        },
    }


@bp.platform("/tenants/", methods=["POST"])
def create_tenant():
    """Create a tenant with its owner (an account is made for an unknown owner email)."""
    data = json_body(allowed=CREATE_FIELDS, required={"name", "owner_email"})
    name = string_field(data, "name", max_length=120)
    slug = present_string(data, "slug", max_length=100) or slug_for(name or "")
    tenant = tenants.create_tenant(
        name, slug, string_field(data, "owner_email", max_length=254),
        choice_field(data, "plan", [p.code for p in plans.list_plans()], default="free"), current_authority(),
        owner_name=string_field(data, "owner_name", max_length=120),
        isolation_strategy=choice_field(data, "isolation_strategy", ISOLATION_STRATEGIES),
    )
    response = jsonify(tenant_json(tenant))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_tenant", tenant_ref=tenant.id)
    return response


def slug_for(name: str) -> str:
    """A slug derived from the name; a reserved word ("Admin") gets a suffix rather than a refusal."""
    slug = tenants.suggest_slug(name)
    return f"{slug}-org" if slug in tenants.RESERVED_SLUGS else slug


@bp.platform("/tenants/")
def list_tenants():
    """Every tenant, newest first, filtered by `status`, `plan` and a search `q` (name, slug, owner email)."""
    page, per_page = paging_args()
    flt = tenants.TenantFilter(status=query_choice("status", TENANT_STATUSES),
                               plan=query_text("plan", 32), q=query_text("q"))
    return jsonify(page_body(tenants.list_tenants(flt, page, per_page), tenant_json))


@bp.tenant("/tenants/current", "tenant.read", prefixed=False)
def current():
    """The tenant this request resolves to (header, token, query, the key's own tenant, ...)."""
    return jsonify(tenant_json(current_tenant))


@bp.tenant("", "tenant.read")
def get_tenant():
    return jsonify(tenant_json(current_tenant))


@bp.tenant("", "settings.update", methods=["PATCH"])
def update_tenant():
    """Rename, change settings; platform admins also set `status` (with a `reason` to suspend)."""
    data = _update_payload()
    tenant = current_tenant._get_current_object()
    actor = current_authority()
    if "status" in data:
        if not current_principal().is_platform_admin:
            raise PermissionDenied("Only platform administrators change a tenant's status.", field="status")
        _check_status_change(tenant, data)
    changes = {key: data[key] for key in UPDATE_FIELDS if key in data}
    if changes:
        tenants.update_tenant(tenant, actor, **changes)
    if "status" in data:
        tenants.set_status(tenant, data["status"], actor, reason=data.get("reason"))
    return jsonify(tenant_json(tenant))


def _check_status_change(tenant: Tenant, data: dict[str, Any]) -> None:
    """Refuse a status change the service would refuse, before anything else in the body is applied."""
    if data["status"] == "suspended" and not (data.get("reason") or "").strip():
        raise ValidationError("Give a reason; the tenant's users will see it.", field="reason")
    if tenant.is_deleted:
        raise ValidationError("A deleted tenant's status cannot change; restore it first.", field="status")


def _update_payload() -> dict[str, Any]:
    data = json_body(allowed=UPDATE_FIELDS | STATUS_FIELDS | set(READ_ONLY_FIELDS))
    read_only = sorted(set(data) & set(READ_ONLY_FIELDS))
    if read_only:
        raise ValidationError(
            f"{read_only[0]} cannot be changed here. {READ_ONLY_FIELDS[read_only[0]]}",
            field=read_only[0], code="read_only_field",
            details={"fields": {k: [READ_ONLY_FIELDS[k]] for k in read_only}})
    for key in ("name", "slug", "display_name", "timezone", "locale", "brand_color", "reason", "status"):
        if key in data and data[key] is not None and not isinstance(data[key], str):
            raise ValidationError(f"{key} must be a string.", field=key)
    for key in ("name", "slug", "timezone", "locale", "brand_color", "status"):
        if key in data and data[key] is None:
            raise ValidationError(f"{key} must not be null.", field=key)
    for key, limit in (("name", 120), ("display_name", 120), ("reason", 500)):
        string_field(data, key, max_length=limit)
    if "reason" in data and "status" not in data:
        raise BadRequest("`reason` goes with `status`.", field="reason", code="unknown_field")
    if "status" in data and data["status"] not in SETTABLE_STATUSES:
        raise ValidationError(f"status must be one of {', '.join(SETTABLE_STATUSES)}.", field="status")
    return data


@bp.tenant("", "tenant.delete", methods=["DELETE"])
def delete_tenant():
    """Soft-delete (owners, as in Settings, and platform admins): the tenant is refused from now on
    and purged after the grace period."""
    tenant = current_tenant._get_current_object()
    tenants.soft_delete(tenant, current_authority())
    return jsonify(tenant_json(tenant))


# --- OpenAPI ------------------------------------------------------------------------------------

_SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "display_name": nullable(text(120)),
        "timezone": {"type": "string", "enum": sorted(zoneinfo.available_timezones())},
        "locale": {"type": "string", "enum": sorted(tenants.SUPPORTED_LOCALES)},
        "brand_color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
        "feature_flags": {"type": "object", "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,39}$"},
                          "additionalProperties": {"type": "boolean"}},
        "require_2fa": {"type": "boolean", "description": "Members need two-factor authentication (an SSO "
                        "sign-in counts) to reach the tenant; API keys are unaffected."},
    },
}
# A DNS label that is not an internationalised-looking one (xx--); reserved words are refused with a 422.
SLUG_SCHEMA = {"type": "string", "pattern": "^(?![a-z0-9]{2}--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$",
               "not": {"enum": sorted(tenants.RESERVED_SLUGS)},
               "description": "A DNS label, 3-63 characters: lowercase letters, digits, hyphens; not a reserved "
                              "word (admin, api, www, ...)."}


def _isolation_choices() -> list[str]:
    """The strategies this database can provide (schema isolation needs PostgreSQL)."""
    dialect = db.session.get_bind().dialect.name
    return [s for s in ISOLATION_STRATEGIES if s != "schema" or dialect == "postgresql"]


OPENAPI_COMPONENTS = {
    "Tenant": {
        "type": "object",
        "required": ["id", "slug", "name", "status", "plan", "owner", "created_at", "settings"],
        "properties": {
            "id": {"type": "string"},
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "status": {"type": "string", "enum": list(TENANT_STATUSES)},
            "plan": {"type": "string"},
            "owner": nullable({"type": "object", "required": ["id", "email"],
                               "properties": {"id": {"type": "integer"}, "email": {"type": "string"}}}),
            "created_at": {"type": "string", "format": "date-time"},
            "trial_ends_at": nullable({"type": "string", "format": "date-time"}),
            "suspended_reason": nullable({"type": "string"}),
            "deleted_at": nullable({"type": "string", "format": "date-time"}),
            "isolation_strategy": {"type": "string"},
            "settings": _SETTINGS_SCHEMA,
        },
    },
    "TenantCreate": lambda: {
        "type": "object",
        "required": ["name", "owner_email"],
        "additionalProperties": False,
        "properties": {
            "name": text(120, blank=False),
            "slug": {**SLUG_SCHEMA, "description": "Derived from the name if absent."},
            "owner_email": {"type": "string", "format": "email", "maxLength": 254},
            "plan": nullable({"type": "string", "enum": [p["code"] for p in PLAN_SEED], "default": "free"}),
            "owner_name": nullable(text(120)),
            "isolation_strategy": nullable({"type": "string", "enum": _isolation_choices()}),
        },
    },
    "TenantUpdate": {
        "type": "object",
        "additionalProperties": False,
        "description": "Owners and admins: name, slug and settings. Platform admins also `status` (+ `reason` to "
                       "suspend). Named read-only fields (plan, owner, ids, ...) answer 422 `read_only_field`; "
                       "any other field 400 `unknown_field`.",
        "properties": {
            "name": text(120, blank=False),
            "slug": SLUG_SCHEMA,
            **_SETTINGS_SCHEMA["properties"],
            "status": {"type": "string", "enum": list(SETTABLE_STATUSES)},
            "reason": nullable(text(500)),
        },
        "dependentRequired": {"reason": ["status"]},
        "if": {"properties": {"status": {"const": "suspended"}}, "required": ["status"]},
        "then": {"required": ["reason"], "properties": {"reason": text(500, blank=False)}},
    },
}

_TENANT_REF = {"$ref": "#/components/parameters/TenantRef"}


def _platform_errors() -> dict[str, Any]:
    return {"400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "403": {"$ref": "#/components/responses/Forbidden"}}


OPENAPI_PATHS = {
    "/api/v1/tenants/": {
        "post": {
            "operationId": "createTenant", "tags": ["tenants"], "summary": "Create a tenant (platform admins).",
            "requestBody": json_request(ref("TenantCreate")),
            "responses": {"201": json_response("The new tenant.", ref("Tenant"), metered=False),
                          **_platform_errors(),
                          "404": {"$ref": "#/components/responses/NotFound"},
                          "409": {"$ref": "#/components/responses/Conflict"},
                          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                          "422": {"$ref": "#/components/responses/Validation"}},
        },
        "get": {
            "operationId": "listTenants", "tags": ["tenants"], "summary": "List all tenants (platform admins).",
            "parameters": [
                {"$ref": "#/components/parameters/Page"}, {"$ref": "#/components/parameters/PerPage"},
                {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(TENANT_STATUSES)}},
                {"name": "plan", "in": "query", "schema": text(32)},
                {"name": "q", "in": "query", "schema": text(200),
                 "description": "Search in name, slug and owner email."},
            ],
            "responses": {"200": json_response("One page of tenants.", list_schema(ref("Tenant")), metered=False),
                          **_platform_errors(), "422": {"$ref": "#/components/responses/Validation"}},
        },
    },
    "/api/v1/tenants/current": {"get": {
        "operationId": "getCurrentTenant", "tags": ["tenants"],
        "summary": "The tenant the request resolves to.",
        "description": "Named by the X-Tenant-ID header, the access token's tenant_id claim, a tenant_id query "
                       "parameter, or a tenant key's own tenant. Two sources naming different tenants: 400 "
                       "tenant_conflict.",
        "parameters": [{"name": "X-Tenant-ID", "in": "header", "required": False,
                        "schema": {"type": "string", "maxLength": 100}},
                       {"name": "tenant_id", "in": "query", "required": False,
                        "schema": {"type": "string", "maxLength": 100}}],
        "responses": {"200": json_response("The tenant.", ref("Tenant")), **tenant_responses(tenant_sources=True)},
    }},
    "/api/v1/tenants/{tenant_ref}": {
        "parameters": [_TENANT_REF],
        "get": {
            "operationId": "getTenant", "tags": ["tenants"], "summary": "A tenant's details.",
            "responses": {"200": json_response("The tenant.", ref("Tenant")), **tenant_responses()},
        },
        "patch": {
            "operationId": "updateTenant", "tags": ["tenants"], "summary": "Rename, change settings or status.",
            "requestBody": json_request(ref("TenantUpdate")),
            "responses": {"200": json_response("The updated tenant.", ref("Tenant")), **tenant_responses(),
                          "409": {"$ref": "#/components/responses/Conflict"},
                          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                          "422": {"$ref": "#/components/responses/Validation"}},
        },
        "delete": {
            "operationId": "deleteTenant", "tags": ["tenants"],
            "summary": "Soft-delete a tenant (owners and platform admins); purged after the grace period.",
            "responses": {"200": json_response("The deleted tenant.", ref("Tenant")), **tenant_responses()},
        },
    },
}
