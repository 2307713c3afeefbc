"""JSON API: tenants (create, list, read, update, status, delete).

Creating and listing all tenants, changing a tenant's status and deleting it belong to platform
admins. Tenant owners and admins rename their tenant and change its settings; everyone in it reads.
"""

from __future__ import annotations

import copy
import zoneinfo
from typing import Annotated, Any, Literal

from flask import jsonify, request, url_for
from flask_babel import gettext
from pydantic import AfterValidator, ConfigDict, Field, WithJsonSchema

from app.api import bp
from app.api.bodies import (
    NOT_BLANK,
    Boolean,
    Email,
    MaybeMoment,
    Moment,
    PlanCode,
    RequestBody,
    ResponseBody,
    Slug,
    TenantName,
    read_body,
    schemas,
    single_line_text,
    text,
)
from app.api.openapi import (
    TENANT_REF,
    TENANT_SOURCE_PARAMETERS,
    json_request,
    json_response,
    list_schema,
    ref,
    tenant_responses,
)
from app.api.openapi import text as text_schema
from app.api.params import page_body, paging_args, query_choice, query_text
from app.api.payload import BadRequest
from app.extensions import db
from app.models import ISOLATION_STRATEGIES, TENANT_STATUSES, IsolationStrategy, TenantStatus
from app.models import Tenant as TenantRow
from app.services import accounts, tenants
from app.services import feature_flags as flag_overrides
from app.services.errors import PermissionDenied, ValidationError
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority, current_principal

SETTINGS_FIELDS = set(tenants.SETTINGS_FIELDS)
UPDATE_FIELDS = {"name", "slug", *SETTINGS_FIELDS}
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


class TenantOwner(ResponseBody):
    id: int
    email: str


class TenantSettings(ResponseBody):
    display_name: str | None
    timezone: str
    locale: str
    brand_color: str | None
    feature_flags: dict[str, bool]
    require_2fa: bool = Field(description="Members need two-factor authentication (an SSO sign-in counts) to reach "
                                          "the tenant; API keys are unaffected.")


class Tenant(ResponseBody):
    """A tenant as the API answers it."""

    id: str
    slug: str
    name: str
    status: TenantStatus
    plan: str
    owner: TenantOwner | None
    created_at: Moment
    trial_ends_at: MaybeMoment
    suspended_reason: str | None
    deleted_at: MaybeMoment
    isolation_strategy: str
    settings: TenantSettings

    @classmethod
    def of(cls, tenant: TenantRow) -> Tenant:
        config = tenant.config
        return cls(
            id=tenant.id, slug=tenant.slug, name=tenant.name, status=tenants.effective_status(tenant),
            plan=tenant.plan_code,
            owner=TenantOwner(id=tenant.owner.id, email=tenant.owner.email) if tenant.owner else None,
            created_at=tenant.created_at, trial_ends_at=tenant.trial_ends_at,
            suspended_reason=tenant.suspended_reason, deleted_at=tenant.deleted_at,
            isolation_strategy=tenant.isolation_strategy,
            settings=TenantSettings(
                display_name=config.display_name if config else None,
                timezone=config.timezone if config else "UTC", locale=config.locale if config else "en",
                brand_color=config.brand_color if config else None,
                feature_flags=flag_overrides.effective_flags(tenant),
                require_2fa=bool(config and config.require_2fa)))


def tenant_json(tenant: TenantRow) -> dict[str, Any]:
    return Tenant.of(tenant).model_dump(mode="json")


def _timezone(value: str) -> str:
    if value not in zoneinfo.available_timezones():
        raise ValueError(gettext("must be an IANA time zone such as Europe/Berlin"))
    return value


# Absent is fine, null is not: these fields have a None default that is never validated, and no
# `| None` in their type, so an explicit null is refused as "not a string".
Timezone = Annotated[str, AfterValidator(_timezone),
                     WithJsonSchema({"type": "string", "enum": sorted(zoneinfo.available_timezones())})]
Locale = Literal[tuple(sorted(tenants.SUPPORTED_LOCALES))]
BrandColor = Annotated[str, Field(pattern=tenants.HEX_COLOR_RE.pattern)]
FlagName = Annotated[str, Field(pattern=tenants.FLAG_NAME_RE.pattern)]
# pydantic would write patternProperties, which leaves other names open; say what it enforces.
FeatureFlags = Annotated[dict[FlagName, Boolean], Field(max_length=tenants.MAX_FEATURE_FLAGS), WithJsonSchema({
    "type": "object", "propertyNames": {"pattern": tenants.FLAG_NAME_RE.pattern},
    "additionalProperties": {"type": "boolean"}, "maxProperties": tenants.MAX_FEATURE_FLAGS})]
DisplayName = single_line_text(tenants.DISPLAY_NAME_MAX_LENGTH)
Reason = text(tenants.SUSPEND_REASON_MAX_LENGTH)
SettableStatus = Literal[SETTABLE_STATUSES]


class TenantCreate(RequestBody):
    name: TenantName
    slug: Slug = Field(None, description="Derived from the name if absent.")
    owner_email: Email
    plan: PlanCode | None = Field(None, description="Default: free.")
    owner_name: single_line_text(accounts.NAME_MAX_LENGTH) | None = None
    isolation_strategy: IsolationStrategy | None = None


class TenantUpdate(RequestBody):
    """Owners and admins: name, slug and settings. Platform admins also `status` (+ `reason` to suspend).
    Named read-only fields (plan, owner, ids, ...) answer 422 `read_only_field`; any other field 400
    `unknown_field`."""

    model_config = ConfigDict(json_schema_extra={
        "dependentRequired": {"reason": ["status"]},
        "if": {"properties": {"status": {"const": "suspended"}}, "required": ["status"]},
        "then": {"required": ["reason"], "properties": {"reason": {"type": "string", "minLength": 1,
                                                                   "pattern": NOT_BLANK}}},
    })

    name: TenantName = None
    slug: Slug = None
    display_name: DisplayName | None = None
    timezone: Timezone = None
    locale: Locale = None
    brand_color: BrandColor = None
    feature_flags: FeatureFlags = None
    require_2fa: Boolean = Field(None, description="Members need two-factor authentication (an SSO sign-in counts) "
                                                "to reach the tenant; API keys are unaffected.")
    status: SettableStatus = None
    reason: Reason | None = None


@bp.platform("/tenants/", methods=["POST"])
def create_tenant():
    """Create a tenant with its owner (an account is made for an unknown owner email)."""
    body = read_body(TenantCreate)
    tenant = tenants.create_tenant(body.name, body.slug or slug_for(body.name), body.owner_email,
                                   body.plan or "free", current_authority(), owner_name=body.owner_name,
                                   isolation_strategy=body.isolation_strategy)
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
            raise PermissionDenied(gettext("Only platform administrators change a tenant's status."), field="status")
        _check_status_change(tenant, data)
    changes = {key: data[key] for key in UPDATE_FIELDS if key in data}
    if changes:
        tenants.update_tenant(tenant, actor, **changes)
    if "status" in data:
        tenants.set_status(tenant, data["status"], actor, reason=data.get("reason"))
    return jsonify(tenant_json(tenant))


def _check_status_change(tenant: TenantRow, data: dict[str, Any]) -> None:
    """Refuse a status change the service would refuse, before anything else in the body is applied."""
    if data["status"] == "suspended" and not (data.get("reason") or "").strip():
        raise ValidationError(gettext("Give a reason; the tenant's users will see it."), field="reason")
    if tenant.is_deleted:
        raise ValidationError(gettext("A deleted tenant's status cannot change; restore it first."), field="status")


def _update_payload() -> dict[str, Any]:
    """The PATCH body's fields that were sent. Read-only fields are named first (422, with where they
    change), then the body is read against `TenantUpdate` (every bad field at once)."""
    raw = request.get_json(silent=True)
    read_only = sorted(set(raw) & set(READ_ONLY_FIELDS)) if isinstance(raw, dict) else []
    if read_only:
        raise ValidationError(
            gettext("%(read_only)s cannot be changed here. %(read_only_fields)s", read_only=read_only[0], read_only_fields=READ_ONLY_FIELDS[read_only[0]]),
            field=read_only[0], code="read_only_field",
            details={"fields": {k: [READ_ONLY_FIELDS[k]] for k in read_only}})
    data = read_body(TenantUpdate).model_dump(exclude_unset=True)
    if "reason" in data and "status" not in data:
        raise BadRequest(gettext("`reason` goes with `status`."), field="reason", code="unknown_field")
    return data


@bp.tenant("", "tenant.delete", methods=["DELETE"])
def delete_tenant():
    """Soft-delete (owners, as in Settings, and platform admins): the tenant is refused from now on
    and purged after the grace period."""
    tenant = current_tenant._get_current_object()
    tenants.soft_delete(tenant, current_authority())
    return jsonify(tenant_json(tenant))


# --- OpenAPI ------------------------------------------------------------------------------------

def _isolation_choices() -> list[str]:
    """The strategies this database can provide (schema isolation needs PostgreSQL)."""
    dialect = db.session.get_bind().dialect.name
    return [s for s in ISOLATION_STRATEGIES if s != "schema" or dialect == "postgresql"]


def _create_schema() -> dict[str, Any]:
    """TenantCreate, with the isolation strategies this database offers (known once the app runs)."""
    schema = copy.deepcopy(_GENERATED["TenantCreate"])
    schema["properties"]["isolation_strategy"] = {"anyOf": [{"type": "string", "enum": _isolation_choices()},
                                                           {"type": "null"}], "default": None}
    return schema


_GENERATED = schemas(Tenant, TenantCreate, TenantUpdate)
OPENAPI_COMPONENTS = {**_GENERATED, "TenantCreate": _create_schema}



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
                {"name": "plan", "in": "query", "schema": text_schema(32)},
                {"name": "q", "in": "query", "schema": text_schema(200),
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
        "parameters": TENANT_SOURCE_PARAMETERS,
        "responses": {"200": json_response("The tenant.", ref("Tenant")), **tenant_responses(tenant_sources=True)},
    }},
    "/api/v1/tenants/{tenant_ref}": {
        "parameters": [TENANT_REF],
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
