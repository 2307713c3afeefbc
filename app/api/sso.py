"""JSON API: a tenant's SSO connections and verified domains (mirrors Settings → Single sign-on).

Answers carry what the customer registers at their IdP (`redirect_uri`; `entity_id`, `acs_url`,
`metadata_url`), never a secret.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from app.api import bp
from app.api.openapi import json_request, json_response, list_schema, nullable, ref, tenant_responses, text
from app.api.params import iso, page_body, paging_args, path_int
from app.api.payload import json_body
from app.models import SsoConnection, TenantDomain
from app.models.sso import SSO_PROTOCOLS
from app.services import domains
from app.services.errors import NotFound
from app.services.sso import connections
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority

PUBLIC_SETTINGS = {
    "oidc": ("preset", "issuer", "client_id"),
    "saml": ("idp_entity_id", "idp_sso_url", "idp_metadata_url"),
    "ldap": ("host", "port", "security", "base_dn", "user_dn_template"),
}
CREATE_FIELDS = {"type", "name", "default_role", "group_roles", "preset", "issuer", "directory_id", "client_id",
                 "client_secret", "idp_metadata_url", "idp_metadata_xml", "host", "port", "security", "base_dn",
                 "user_dn_template"}
UPDATE_FIELDS = (CREATE_FIELDS - {"type"}) | {"status"}


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


def _connection_id(raw: str) -> str:
    if not raw.startswith("sso_") or len(raw) > 32:
        raise NotFound("Connection not found.", code="sso_connection_not_found")
    return raw


@bp.tenant("/sso/connections", "sso.manage")
def list_connections():
    page, per_page = paging_args()
    return jsonify(page_body(connections.page_connections(current_tenant, page, per_page), connection_json))


@bp.tenant("/sso/connections", "sso.manage", methods=["POST"])
def create_connection():
    data = json_body(allowed=CREATE_FIELDS, required={"type", "name"})
    created = connections.create_connection(current_tenant, data, current_authority())
    return jsonify(connection_json(created)), 201


@bp.tenant("/sso/connections/<connection_id>", "sso.manage")
def get_connection(connection_id: str):
    return jsonify(connection_json(connections.get_connection(current_tenant, _connection_id(connection_id))))


@bp.tenant("/sso/connections/<connection_id>", "sso.manage", methods=["PATCH"])
def update_connection(connection_id: str):
    connection = connections.get_connection(current_tenant, _connection_id(connection_id))
    data = json_body(allowed=UPDATE_FIELDS)
    updated = connections.update_connection(current_tenant, connection.id, data, current_authority())
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
    data = json_body(allowed={"domain"}, required={"domain"})
    return jsonify(domain_json(domains.add_domain(current_tenant, data["domain"], current_authority()))), 201


def _domain_id(raw: str) -> int:
    return path_int(raw, NotFound("Domain not found.", code="domain_not_found"))


@bp.tenant("/domains/<domain_id>/verify", "domains.manage", methods=["POST"])
def verify_domain(domain_id: str):
    """Look the TXT record up now: 200 verified, or 422 `domain_not_verified` with what was found."""
    verified = domains.verify_domain(current_tenant, _domain_id(domain_id), current_authority(),
                                     resolver_address=current_app.config.get("DNS_RESOLVER"))
    return jsonify(domain_json(verified))


@bp.tenant("/domains/<domain_id>", "domains.manage", methods=["DELETE"])
def remove_domain(domain_id: str):
    claimed = domains.get_domain(current_tenant, _domain_id(domain_id))
    body = domain_json(claimed)
    domains.remove_domain(current_tenant, claimed.id, current_authority())
    return jsonify(body)


# --- OpenAPI ------------------------------------------------------------------------------------

_TENANT_REF = {"$ref": "#/components/parameters/TenantRef"}
_CONNECTION_ID = {"name": "connection_id", "in": "path", "required": True,
                  "schema": {"type": "string", "pattern": "^sso_[0-9a-f]{16}$"}}
_DOMAIN_ID = {"name": "domain_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}}
_ROLE = {"type": "string", "enum": list(connections.MAPPABLE_ROLES)}
_GROUP_ROLES = {"type": "object", "maxProperties": 100, "additionalProperties": _ROLE,
                "propertyNames": text(255, blank=False),
                "description": "IdP group name -> role; people in none of the groups get `default_role`."}
_DATE = {"type": "string", "format": "date-time"}
# The body's shape is checked by this schema; whether an issuer, a directory or IdP metadata is
# usable is decided by its content (metadata is fetched and parsed), so a well-shaped body may get 422.
_CONTENT_CHECKED = {"x-content-checked": True}


def _connection_fields(*, create: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": text(120, blank=False),
        "default_role": _ROLE,
        "group_roles": _GROUP_ROLES,
        "preset": {"type": "string", "enum": list(connections.OIDC_PRESETS)},
        "issuer": text(500, blank=False, description="OIDC: https:// (http only on 127.0.0.1 / localhost)."),
        "directory_id": text(64, description="OIDC, preset entra: the directory (tenant) ID."),
        "client_id": text(255, blank=False),
        "client_secret": text(1000, blank=False, description="Stored encrypted; never returned."),
        "idp_metadata_url": text(500, blank=False, description="SAML: where the IdP publishes its metadata."),
        "idp_metadata_xml": text(connections.MAX_LENGTHS["idp_metadata_xml"], blank=False, description="SAML: the IdP's metadata document."),
        "host": text(253, blank=False, description="LDAP host name, without scheme or port."),
        "port": {"type": "integer", "minimum": 1, "maximum": 65535},
        "security": {"type": "string", "enum": list(connections.LDAP_SECURITY)},
        "base_dn": text(500, blank=False),
        "user_dn_template": text(500, blank=False, description="Contains {username}."),
    }
    if create:
        fields["type"] = {"type": "string", "enum": list(SSO_PROTOCOLS)}
    else:
        fields["status"] = {"type": "string", "enum": ["active", "disabled"]}
    return fields


OPENAPI_COMPONENTS = {
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
    "SsoConnectionCreate": {"type": "object", "required": ["type", "name"], "additionalProperties": False,
                            "properties": _connection_fields(create=True),
                            "description": "OIDC: issuer (or a preset), client_id, client_secret. SAML: "
                                           "idp_metadata_url or idp_metadata_xml. LDAP: host, port, security, "
                                           "base_dn, user_dn_template."},
    "SsoConnectionUpdate": {"type": "object", "additionalProperties": False,
                            "properties": _connection_fields(create=False)},
    "Domain": {
        "type": "object", "required": ["id", "domain", "status", "auto_join", "txt_name", "txt_value", "created_at"],
        "properties": {"id": {"type": "integer"}, "domain": {"type": "string"},
                       "status": {"type": "string", "enum": ["pending", "verified"]},
                       "auto_join": {"type": "boolean"}, "txt_name": {"type": "string"},
                       "txt_value": {"type": "string"}, "verified_at": nullable(_DATE), "created_at": _DATE},
    },
    "DomainCreate": {"type": "object", "required": ["domain"], "additionalProperties": False,
                     "properties": {"domain": text(253, blank=False)}},
}

_WRITE_ERRORS = {"409": {"$ref": "#/components/responses/Conflict"},
                 "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                 "422": {"$ref": "#/components/responses/Validation"}}

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/sso/connections": {
        "get": {"operationId": "listSsoConnections", "tags": ["sso"], "summary": "The tenant's SSO connections.",
                "parameters": [_TENANT_REF, {"$ref": "#/components/parameters/Page"},
                               {"$ref": "#/components/parameters/PerPage"}],
                "responses": {"200": json_response("One page of connections.", list_schema(ref("SsoConnection"))),
                              **tenant_responses(), "422": {"$ref": "#/components/responses/Validation"}}},
        "post": {"operationId": "createSsoConnection", "tags": ["sso"], "summary": "Add an OIDC, SAML or LDAP "
                 "connection; the answer names what to register at the IdP.", **_CONTENT_CHECKED,
                 "parameters": [_TENANT_REF], "requestBody": json_request(ref("SsoConnectionCreate")),
                 "responses": {"201": json_response("The connection.", ref("SsoConnection")), **tenant_responses(),
                               **_WRITE_ERRORS}},
    },
    "/api/v1/tenants/{tenant_ref}/sso/connections/{connection_id}": {
        "get": {"operationId": "getSsoConnection", "tags": ["sso"], "summary": "One connection.",
                "parameters": [_TENANT_REF, _CONNECTION_ID],
                "responses": {"200": json_response("The connection.", ref("SsoConnection")), **tenant_responses()}},
        "patch": {"operationId": "updateSsoConnection", "tags": ["sso"], "summary": "Change a connection; a new "
                  "client_secret replaces the stored one.", **_CONTENT_CHECKED,
                  "parameters": [_TENANT_REF, _CONNECTION_ID], "requestBody": json_request(ref("SsoConnectionUpdate")),
                  "responses": {"200": json_response("The connection.", ref("SsoConnection")), **tenant_responses(),
                                **_WRITE_ERRORS}},
        "delete": {"operationId": "deleteSsoConnection", "tags": ["sso"], "summary": "Delete a connection "
                   "(its people keep their accounts and memberships).", "parameters": [_TENANT_REF, _CONNECTION_ID],
                   "responses": {"200": json_response("The deleted connection.", ref("SsoConnection")),
                                 **tenant_responses()}},
    },
    "/api/v1/tenants/{tenant_ref}/domains": {
        "get": {"operationId": "listDomains", "tags": ["sso"], "summary": "The tenant's claimed domains.",
                "parameters": [_TENANT_REF, {"$ref": "#/components/parameters/Page"},
                               {"$ref": "#/components/parameters/PerPage"}],
                "responses": {"200": json_response("One page of domains.", list_schema(ref("Domain"))),
                              **tenant_responses(), "422": {"$ref": "#/components/responses/Validation"}}},
        "post": {"operationId": "addDomain", "tags": ["sso"], "summary": "Claim a domain; publish the TXT record "
                 "the answer names, then verify.", **_CONTENT_CHECKED, "parameters": [_TENANT_REF],
                 "requestBody": json_request(ref("DomainCreate")),
                 "responses": {"201": json_response("The pending domain.", ref("Domain")), **tenant_responses(),
                               **_WRITE_ERRORS}},
    },
    "/api/v1/tenants/{tenant_ref}/domains/{domain_id}/verify": {"post": {
        "operationId": "verifyDomain", "tags": ["sso"], "summary": "Look the TXT record up now.",
        "parameters": [_TENANT_REF, _DOMAIN_ID],
        "responses": {"200": json_response("The verified domain.", ref("Domain")), **tenant_responses(),
                      "409": {"$ref": "#/components/responses/Conflict"},
                      "422": {"$ref": "#/components/responses/Validation"}}}},
    "/api/v1/tenants/{tenant_ref}/domains/{domain_id}": {"delete": {
        "operationId": "removeDomain", "tags": ["sso"], "summary": "Remove a claimed domain.",
        "parameters": [_TENANT_REF, _DOMAIN_ID],
        "responses": {"200": json_response("The removed domain.", ref("Domain")), **tenant_responses()}}},
}
