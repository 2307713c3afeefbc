"""JSON API: a signed-in person creates an organisation of their own (self-service, Free plan)."""

from __future__ import annotations

from flask import jsonify, url_for
from pydantic import Field

from app.api import bp
from app.api.bodies import RequestBody, Slug, TenantName, read_body, schemas
from app.api.callers import calling_user
from app.api.openapi import json_request, json_response, ref
from app.api.tenants import slug_for, tenant_json
from app.services import tenants
from app.tenancy.principal import current_authority

SELF_SERVICE_PLAN = "free"


class OrganisationCreate(RequestBody):
    name: TenantName
    slug: Slug | None = Field(None, description="Derived from the name if absent.")


@bp.signed_in("/me/tenants", methods=["POST"])
def create_organisation():
    """The calling user (a user's token) creates a tenant on the Free plan and owns it, as in the portal."""
    user = calling_user()
    body = read_body(OrganisationCreate)
    tenant = tenants.create_tenant(body.name, body.slug or slug_for(body.name), user.email, SELF_SERVICE_PLAN,
                                   current_authority())
    response = jsonify(tenant_json(tenant))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_tenant", tenant_ref=tenant.id)
    return response


OPENAPI_COMPONENTS = schemas(OrganisationCreate)

OPENAPI_PATHS = {
    "/api/v1/me/tenants": {"post": {
        "operationId": "createOwnTenant", "tags": ["tenants"],
        "summary": "Create an organisation of your own on the Free plan (a user's access token).",
        "requestBody": json_request(ref("OrganisationCreate")),
        "responses": {"201": json_response("The new tenant; you own it.", ref("Tenant"), metered=False),
                      "400": {"$ref": "#/components/responses/BadRequest"},
                      "401": {"$ref": "#/components/responses/Unauthorized"},
                      "403": {"$ref": "#/components/responses/Forbidden"},
                      "409": {"$ref": "#/components/responses/Conflict"},
                      "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                      "422": {"$ref": "#/components/responses/Validation"}},
    }},
}
