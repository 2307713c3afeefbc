"""JSON API: a tenant's SSO connections and verified domains (mirrors Settings → Single sign-on).

Answers carry what the customer registers at their IdP (`redirect_uri`; `entity_id`, `acs_url`,
`metadata_url`), never a secret.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import current_app, jsonify
from flask_babel import gettext
from pydantic import Field, WithJsonSchema

from app.api import bp
from app.api.bodies import Boolean, Integer, RequestBody, read_body, read_fields, schemas
from app.api.bodies import text as text_type
from app.api.openapi import (
    TENANT_REF,
    json_request,
    json_response,
    list_schema,
    nullable,
    ref,
    response_refs,
    tenant_responses,
    text,
)
from app.api.params import iso, page_body, paging_args, path_int
from app.models import SsoConnection, TenantDomain
from app.models.sso import SSO_PROTOCOLS
from app.services import domains
from app.services.errors import Conflict, NotFound, ValidationError
from app.services.sso import connections
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority

PUBLIC_SETTINGS = {
    "oidc": ("preset", "issuer", "client_id"),
    "saml": ("idp_entity_id", "idp_sso_url", "idp_metadata_url"),
    "ldap": ("host", "port", "security", "base_dn", "user_dn_template"),
}

def connection_json(connection: SsoConnection) -> dict[str, Any]:
    from app.web.sso.settings import registration_values

    settings = connection.settings or {}
    return {
        "id": connection.id,
        "type": connection.protocol,
        "name": connection.name,
        "status": "disabled" if connection.disabled_by_platform else connection.status,
        "disabled_by_platform": connection.disabled_by_platform,
        "default_role": connection.default_role,
        "group_roles": dict(connection.group_roles or {}),
        **{key: settings.get(key) for key in PUBLIC_SETTINGS[connection.protocol]},
        **registration_values(connection),
        "created_at": iso(connection.created_at),
        "updated_at": iso(connection.updated_at),
    }


def domain_json(claimed: TenantDomain) -> dict[str, Any]:
    return {"id": claimed.id, "domain": claimed.domain, "status": claimed.status, "auto_join": claimed.auto_join,
            "txt_name": domains.txt_name(claimed), "txt_value": domains.txt_value(claimed),
            "verified_at": iso(claimed.verified_at), "created_at": iso(claimed.created_at)}


_L = connections.MAX_LENGTHS
MappableRole = Literal[connections.MAPPABLE_ROLES]
GroupName = text_type(255, blank=False)


class _ConnectionFields(RequestBody):
    """What a connection takes. Shape only: whether an issuer, a directory or IdP metadata is usable
    is decided by the service from its content (metadata is fetched and parsed), so a well-shaped
    body may still get a 422. Fields may be left out; null is not a value."""

    name: text_type(_L["name"], blank=False) = None
    default_role: MappableRole = None
    # pydantic would write patternProperties, which leaves other names open; say what it enforces.
    group_roles: Annotated[dict[GroupName, MappableRole], Field(max_length=100), WithJsonSchema({
        "type": "object", "maxProperties": 100, "propertyNames": text(255, blank=False),
        "additionalProperties": {"type": "string", "enum": list(connections.MAPPABLE_ROLES)}})] = Field(
        None, description="IdP group name -> role; people in none of the groups get `default_role`.")
    preset: Literal[tuple(connections.OIDC_PRESETS)] = None
    issuer: text_type(_L["issuer"], blank=False) = Field(
        None, description="OIDC: https:// (http only on 127.0.0.1 / localhost).")
    directory_id: text_type(_L["directory_id"]) = Field(None, description="OIDC, preset entra: the directory (tenant) ID.")
    client_id: text_type(_L["client_id"], blank=False) = None
    client_secret: text_type(_L["client_secret"], blank=False) = Field(None, description="Stored encrypted; never returned.")
    idp_metadata_url: text_type(_L["idp_metadata_url"], blank=False) = Field(
        None, description="SAML: where the IdP publishes its metadata.")
    idp_metadata_xml: text_type(_L["idp_metadata_xml"], blank=False) = Field(None, description="SAML: the IdP's metadata.")
    host: text_type(_L["host"], blank=False) = Field(None, description="LDAP host name, without scheme or port.")
    port: Integer = Field(None, ge=1, le=65535)
    security: Literal[connections.LDAP_SECURITY] = None
    base_dn: text_type(_L["base_dn"], blank=False) = None
    user_dn_template: text_type(_L["user_dn_template"], blank=False) = Field(None, description="Contains {username}.")


class SsoConnectionCreate(_ConnectionFields):
    """OIDC: issuer (or a preset), client_id, client_secret. SAML: idp_metadata_url or idp_metadata_xml.
    LDAP: host, port, security, base_dn, user_dn_template."""

    type: Literal[SSO_PROTOCOLS]
    name: text_type(_L["name"], blank=False)


class SsoConnectionUpdate(_ConnectionFields):
    status: Literal["active", "disabled"] = None


class DomainCreate(RequestBody):
    domain: text_type(253, blank=False)


class DomainUpdate(RequestBody):
    auto_join: Boolean = Field(description="People who sign up with an address at this verified domain may "
                                           "join with the default role.")


# A connection's fields depend on each other and on the protocol (LDAP needs base_dn, a preset
# replaces the issuer): the service checks the body whole and names every bad field at once, so the
# models declare the shape (and the schema) and read_fields only refuses fields they do not declare.


def _connection_id(raw: str) -> str:
    if not raw.startswith("sso_") or len(raw) > 32:
        raise NotFound(gettext("Connection not found."), code="sso_connection_not_found")
    return raw


@bp.tenant("/sso/connections", "sso.manage")
def list_connections():
    page, per_page = paging_args()
    return jsonify(page_body(connections.page_connections(current_tenant, page, per_page), connection_json))


@bp.tenant("/sso/connections", "sso.manage", methods=["POST"])
def create_connection():
    created = connections.create_connection(current_tenant, read_fields(SsoConnectionCreate),
                                            current_authority())
    return jsonify(connection_json(created)), 201


@bp.tenant("/sso/connections/<connection_id>", "sso.manage")
def get_connection(connection_id: str):
    return jsonify(connection_json(connections.get_connection(current_tenant, _connection_id(connection_id))))


@bp.tenant("/sso/connections/<connection_id>", "sso.manage", methods=["PATCH"])
def update_connection(connection_id: str):
    connection = connections.get_connection(current_tenant, _connection_id(connection_id))
    updated = connections.update_connection(current_tenant, connection.id, read_fields(SsoConnectionUpdate),
                                            current_authority())
    return jsonify(connection_json(updated))


@bp.tenant("/sso/connections/<connection_id>", "sso.manage", methods=["DELETE"])
def delete_connection(connection_id: str):
    connection = connections.get_connection(current_tenant, _connection_id(connection_id))
    body = connection_json(connection)
    connections.delete_connection(current_tenant, connection.id, current_authority())
    return jsonify(body)


@bp.tenant("/domains", "domains.manage")
def list_domains():
    page, per_page = paging_args()
    return jsonify(page_body(domains.page_domains(current_tenant, page, per_page), domain_json))


@bp.tenant("/domains", "domains.manage", methods=["POST"])
def add_domain():
    body = read_body(DomainCreate)
    return jsonify(domain_json(domains.add_domain(current_tenant, body.domain, current_authority()))), 201


def _domain_id(raw: str) -> int:
    return path_int(raw, NotFound(gettext("Domain not found."), code="domain_not_found"))


@bp.tenant("/domains/<domain_id>/verify", "domains.manage", methods=["POST"])
def verify_domain(domain_id: str):
    """Look the TXT record up now: 200 verified, or 422 `domain_not_verified` with what was found."""
    verified = domains.verify_domain(current_tenant, _domain_id(domain_id), current_authority(),
                                     resolver_address=current_app.config.get("DNS_RESOLVER"))
    return jsonify(domain_json(verified))


@bp.tenant("/domains/<domain_id>", "domains.manage", methods=["PATCH"])
def update_domain(domain_id: str):
    """Switch auto-join on or off (Settings → Domains); on needs a verified domain (409 `domain_pending`)."""
    claimed = domains.get_domain(current_tenant, _domain_id(domain_id))
    body = read_body(DomainUpdate)
    try:
        updated = domains.set_auto_join(current_tenant, claimed.id, body.auto_join, current_authority())
    except ValidationError as exc:
        if exc.field != "auto_join":
            raise
        # The domain's state, not the request, is what is wrong: a conflict (as for a used invitation).
        raise Conflict(exc.message, field="auto_join", code="domain_pending") from None
    return jsonify(domain_json(updated))


@bp.tenant("/domains/<domain_id>", "domains.manage", methods=["DELETE"])
def remove_domain(domain_id: str):
    claimed = domains.get_domain(current_tenant, _domain_id(domain_id))
    body = domain_json(claimed)
    domains.remove_domain(current_tenant, claimed.id, current_authority())
    return jsonify(body)


# --- OpenAPI ------------------------------------------------------------------------------------

_CONNECTION_ID = {"name": "connection_id", "in": "path", "required": True,
                  "schema": {"type": "string", "pattern": "^sso_[0-9a-f]{16}$"}}
_DOMAIN_ID = {"name": "domain_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}}
_ROLE = {"type": "string", "enum": list(connections.MAPPABLE_ROLES)}
_DATE = {"type": "string", "format": "date-time"}
# The body's shape is checked by this schema; whether an issuer, a directory or IdP metadata is
# usable is decided by its content (metadata is fetched and parsed), so a well-shaped body may get 422.
_CONTENT_CHECKED = {"x-content-checked": True}


OPENAPI_COMPONENTS = {
    **schemas(SsoConnectionCreate, SsoConnectionUpdate, DomainCreate, DomainUpdate),
    "SsoConnection": {
        "type": "object",
        "required": ["id", "type", "name", "status", "default_role", "group_roles", "created_at"],
        "properties": {
            "id": {"type": "string"}, "type": {"type": "string", "enum": list(SSO_PROTOCOLS)},
            "name": {"type": "string"}, "status": {"type": "string", "enum": ["active", "disabled"]},
            "disabled_by_platform": {"type": "boolean"}, "default_role": _ROLE,
            "group_roles": {"type": "object", "additionalProperties": _ROLE},
            "preset": nullable({"type": "string"}), "issuer": nullable({"type": "string"}),
            "client_id": nullable({"type": "string"}),
            "redirect_uri": {"type": "string", "description": "OIDC: register this at the IdP."},
            "idp_entity_id": nullable({"type": "string"}), "idp_sso_url": nullable({"type": "string"}),
            "idp_metadata_url": nullable({"type": "string"}),
            "entity_id": {"type": "string", "description": "SAML: our SP entity ID."},
            "acs_url": {"type": "string", "description": "SAML: our assertion consumer service (HTTP-POST)."},
            "metadata_url": {"type": "string", "description": "SAML: our SP metadata."},
            "host": nullable({"type": "string"}), "port": nullable({"type": "integer"}),
            "security": nullable({"type": "string"}), "base_dn": nullable({"type": "string"}),
            "user_dn_template": nullable({"type": "string"}),
            "created_at": _DATE, "updated_at": nullable(_DATE),
        },
    },
    "Domain": {
        "type": "object", "required": ["id", "domain", "status", "auto_join", "txt_name", "txt_value", "created_at"],
        "properties": {"id": {"type": "integer"}, "domain": {"type": "string"},
                       "status": {"type": "string", "enum": ["pending", "verified"]},
                       "auto_join": {"type": "boolean"}, "txt_name": {"type": "string"},
                       "txt_value": {"type": "string"}, "verified_at": nullable(_DATE), "created_at": _DATE},
    },
}

_WRITE_ERRORS = response_refs("409", "413", "422")

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/sso/connections": {
        "get": {"operationId": "listSsoConnections", "tags": ["sso"], "summary": "The tenant's SSO connections.",
                "parameters": [TENANT_REF, {"$ref": "#/components/parameters/Page"},
                               {"$ref": "#/components/parameters/PerPage"}],
                "responses": {"200": json_response("One page of connections.", list_schema(ref("SsoConnection"))),
                              **tenant_responses(), "422": {"$ref": "#/components/responses/Validation"}}},
        "post": {"operationId": "createSsoConnection", "tags": ["sso"], "summary": "Add an OIDC, SAML or LDAP "
                 "connection; the answer names what to register at the IdP.", **_CONTENT_CHECKED,
                 "parameters": [TENANT_REF], "requestBody": json_request(ref("SsoConnectionCreate")),
                 "responses": {"201": json_response("The connection.", ref("SsoConnection")), **tenant_responses(),
                               **_WRITE_ERRORS}},
    },
    "/api/v1/tenants/{tenant_ref}/sso/connections/{connection_id}": {
        "get": {"operationId": "getSsoConnection", "tags": ["sso"], "summary": "One connection.",
                "parameters": [TENANT_REF, _CONNECTION_ID],
                "responses": {"200": json_response("The connection.", ref("SsoConnection")), **tenant_responses()}},
        "patch": {"operationId": "updateSsoConnection", "tags": ["sso"], "summary": "Change a connection; a new "
                  "client_secret replaces the stored one.", **_CONTENT_CHECKED,
                  "parameters": [TENANT_REF, _CONNECTION_ID], "requestBody": json_request(ref("SsoConnectionUpdate")),
                  "responses": {"200": json_response("The connection.", ref("SsoConnection")), **tenant_responses(),
                                **_WRITE_ERRORS}},
        "delete": {"operationId": "deleteSsoConnection", "tags": ["sso"], "summary": "Delete a connection "
                   "(its people keep their accounts and memberships).", "parameters": [TENANT_REF, _CONNECTION_ID],
                   "responses": {"200": json_response("The deleted connection.", ref("SsoConnection")),
                                 **tenant_responses()}},
    },
    "/api/v1/tenants/{tenant_ref}/domains": {
        "get": {"operationId": "listDomains", "tags": ["sso"], "summary": "The tenant's claimed domains.",
                "parameters": [TENANT_REF, {"$ref": "#/components/parameters/Page"},
                               {"$ref": "#/components/parameters/PerPage"}],
                "responses": {"200": json_response("One page of domains.", list_schema(ref("Domain"))),
                              **tenant_responses(), "422": {"$ref": "#/components/responses/Validation"}}},
        "post": {"operationId": "addDomain", "tags": ["sso"], "summary": "Claim a domain; publish the TXT record "
                 "the answer names, then verify.", **_CONTENT_CHECKED, "parameters": [TENANT_REF],
                 "requestBody": json_request(ref("DomainCreate")),
                 "responses": {"201": json_response("The pending domain.", ref("Domain")), **tenant_responses(),
                               **_WRITE_ERRORS}},
    },
    "/api/v1/tenants/{tenant_ref}/domains/{domain_id}/verify": {"post": {
        "operationId": "verifyDomain", "tags": ["sso"], "summary": "Look the TXT record up now.",
        "parameters": [TENANT_REF, _DOMAIN_ID],
        "responses": {"200": json_response("The verified domain.", ref("Domain")), **tenant_responses(),
                      "409": {"$ref": "#/components/responses/Conflict"},
                      "422": {"$ref": "#/components/responses/Validation"}}}},
    "/api/v1/tenants/{tenant_ref}/domains/{domain_id}": {
        "patch": {"operationId": "updateDomain", "tags": ["sso"],
                  "summary": "Switch auto-join on or off (owners); on needs a verified domain.",
                  "parameters": [TENANT_REF, _DOMAIN_ID],
                  "requestBody": json_request(ref("DomainUpdate"), example={"auto_join": True}),
                  "responses": {"200": json_response("The domain.", ref("Domain")), **tenant_responses(),
                                **_WRITE_ERRORS}},
        "delete": {"operationId": "removeDomain", "tags": ["sso"], "summary": "Remove a claimed domain.",
                   "parameters": [TENANT_REF, _DOMAIN_ID],
                   "responses": {"200": json_response("The removed domain.", ref("Domain")), **tenant_responses()}},
    },
}
