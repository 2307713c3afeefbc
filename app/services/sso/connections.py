"""A tenant's identity connections: create, change, switch off, delete; what the login page offers."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from sqlalchemy import Select, select

from app.extensions import db
from app.models import SsoConnection, Tenant
from app.models.sso import SSO_PROTOCOLS
from app.models.types import utcnow
from app.services import entitlements, secret_box
from app.services.audit import Actor, record
from app.services.authority import Authority
from app.services.domains import email_domain, verified_owner
from app.services.errors import NotFound, PermissionDenied
from app.services.members import ensure_may_grant, validate_role
from app.services.pagination import Page, paginate
from app.services.sso.checks import LOOPBACK_HOSTS, FieldErrors, check_url, is_loopback
from app.services.transaction import unit_of_work

__all__ = ["LOOPBACK_HOSTS", "FieldErrors", "check_url", "is_loopback"]  # where they used to live

MAX_CONNECTIONS_PER_TENANT = 20
# An IdP group may make someone at most an admin: ownership is granted by an owner, in the portal.
MAPPABLE_ROLES = ("admin", "member", "viewer")

# Issuer templates and the claims each provider sends (docs/sso.md).
OIDC_PRESETS: dict[str, dict[str, Any]] = {
    "generic": {"label": "OpenID Connect", "issuer": None, "email_claim": "email", "groups_claim": "groups"},
    "google": {"label": "Google Workspace", "issuer": "https://accounts.google.com", "email_claim": "email",
               "groups_claim": None},
    "entra": {"label": "Microsoft Entra ID", "issuer": "https://login.microsoftonline.com/{directory_id}/v2.0",
              "email_claim": "email", "groups_claim": "groups"},
}
LDAP_SECURITY = ("ldaps", "starttls", "plain")


TEXT_FIELDS = frozenset({
    "type", "protocol", "name", "default_role", "preset", "issuer", "directory_id", "client_id", "client_secret",
    "idp_metadata_url", "idp_metadata_xml", "host", "security", "base_dn", "user_dn_template", "email_attribute",
    "name_attribute", "email_domain", "status"})


# The longest value each text field takes (before trimming); the API's schema states the same.
MAX_LENGTHS = {"name": 120, "preset": 16, "issuer": 500, "directory_id": 64, "client_id": 255, "client_secret": 1000,
               "idp_metadata_url": 500, "idp_metadata_xml": 80_000, "host": 253, "security": 16, "base_dn": 500,
               "user_dn_template": 500, "email_attribute": 100, "name_attribute": 100, "email_domain": 253}


def _typed(data: dict, errors: FieldErrors) -> dict:
    """`data` with every value of the type and length its field takes (JSON bodies can send anything)."""
    clean: dict = {}
    for key, value in data.items():
        if key in TEXT_FIELDS and value is not None and not isinstance(value, str):
            errors.add(key, f"{key} must be text.")
        elif key in MAX_LENGTHS and isinstance(value, str) and len(value) > MAX_LENGTHS[key]:
            errors.add(key, f"{key} must be at most {MAX_LENGTHS[key]} characters.")
        elif key == "port" and value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            errors.add("port", "The port must be a number from 1 to 65535.")
        elif key == "group_roles" and value is not None and not isinstance(value, dict | str):
            errors.add("group_roles", "Group mapping must be an object of group names to roles.")
        else:
            clean[key] = value
    return clean


def ensure_sso_available(tenant: Tenant) -> None:
    """Configuring SSO is a plan entitlement (Professional and up): `FeatureNotInPlan` otherwise.

    Sign-in through a connection made before a downgrade keeps working: refusing it would lock
    the members out, which is worse than the plan allowing a little more than it should."""
    entitlements.require_feature(tenant, "sso")


def _clean_name(value: str | None, errors: FieldErrors) -> str:
    name = (value or "").strip()
    if not name:
        errors.add("name", "Name is required.")
    elif len(name) > 120:
        errors.add("name", "Name must be at most 120 characters.")
    return name


def _clean_default_role(value: str | None, errors: FieldErrors) -> str:
    role = (value or "member").strip().lower()
    if role not in MAPPABLE_ROLES:
        errors.add("default_role", f"Default role must be one of {', '.join(MAPPABLE_ROLES)}.")
    return role


def clean_group_roles(value: Any, errors: FieldErrors) -> dict[str, str]:
    """`{"group": "role"}` or text lines "group = role"."""
    if value in (None, "", {}):
        return {}
    pairs: list[tuple[str, str]] = []
    if isinstance(value, dict):
        pairs = [(str(k), str(v)) for k, v in value.items()]
    elif isinstance(value, str):
        for number, line in enumerate(value.splitlines(), 1):
            if not line.strip():
                continue
            group, sep, role = line.rpartition("=")
            if not sep:
                errors.add("group_roles", f"Line {number}: write it as 'group = role'.")
                continue
            pairs.append((group.strip(), role.strip()))
    else:
        errors.add("group_roles", "Group mapping must be an object of group names to roles.")
        return {}
    mapping: dict[str, str] = {}
    for group, role in pairs:
        role = role.lower()
        if not group.strip() or len(group) > 255:
            errors.add("group_roles", "A group name must be 1 to 255 characters.")
        elif role not in MAPPABLE_ROLES:
            errors.add("group_roles", f"{group}: role must be one of {', '.join(MAPPABLE_ROLES)}.")
        else:
            mapping[group] = role
    if len(mapping) > 100:
        errors.add("group_roles", "At most 100 group mappings.")
    return mapping


def _oidc_settings(data: dict, errors: FieldErrors, existing: dict | None = None) -> dict:
    existing = existing or {}
    preset = (data.get("preset") or existing.get("preset") or "generic").strip().lower()
    if preset not in OIDC_PRESETS:
        errors.add("preset", f"Preset must be one of {', '.join(OIDC_PRESETS)}.")
        preset = "generic"
    template = OIDC_PRESETS[preset]
    issuer_input = data.get("issuer", existing.get("issuer"))
    if preset == "google" and not issuer_input:
        issuer_input = template["issuer"]
    if preset == "entra" and not issuer_input and data.get("directory_id"):
        issuer_input = template["issuer"].format(directory_id=str(data["directory_id"]).strip())
    issuer = check_url(issuer_input, "issuer", errors, "issuer")
    client_id = (data.get("client_id", existing.get("client_id")) or "").strip()
    if not client_id:
        errors.add("client_id", "The client ID is required.")
    elif len(client_id) > 255:
        errors.add("client_id", "The client ID must be at most 255 characters.")
    return {"preset": preset, "issuer": issuer, "client_id": client_id,
            "email_claim": template["email_claim"], "groups_claim": template["groups_claim"]}


def _ldap_settings(data: dict, errors: FieldErrors, existing: dict | None = None) -> dict:
    existing = existing or {}
    host = (data.get("host", existing.get("host")) or "").strip()
    if not host or len(host) > 253 or any(c in host for c in "/ :@"):
        errors.add("host", "The directory host name is required (no scheme or port: those are separate).")
    security = (data.get("security", existing.get("security")) or "ldaps").strip().lower()
    if security not in LDAP_SECURITY:
        errors.add("security", f"Security must be one of {', '.join(LDAP_SECURITY)}.")
    elif security == "plain" and host and not is_loopback(host):
        errors.add("security", "Unencrypted LDAP sends passwords in the clear: use LDAPS or StartTLS "
                               "(plain only for a directory on 127.0.0.1).")
    port = data.get("port") if data.get("port") is not None else existing.get("port")
    if port is None:
        port = 636 if security == "ldaps" else 389
    try:
        port = int(port)
        if not 1 <= port <= 65535:
            raise ValueError
    except (TypeError, ValueError):
        errors.add("port", "The port must be a number from 1 to 65535.")
        port = 0
    base_dn = (data.get("base_dn", existing.get("base_dn")) or "").strip()
    if not base_dn or "=" not in base_dn:
        errors.add("base_dn", "The base DN is required, like dc=example,dc=com.")
    template = (data.get("user_dn_template", existing.get("user_dn_template")) or "").strip()
    if "{username}" not in template or "=" not in template:
        errors.add("user_dn_template", "The user DN template must contain {username}, like "
                                       "uid={username},ou=people,dc=example,dc=com.")
    email_domain_value = (data.get("email_domain", existing.get("email_domain")) or "").strip().lower()
    return {"host": host, "port": port, "security": security, "base_dn": base_dn, "user_dn_template": template,
            "email_attribute": (data.get("email_attribute") or existing.get("email_attribute") or "mail").strip(),
            "name_attribute": (data.get("name_attribute") or existing.get("name_attribute") or "cn").strip(),
            "email_domain": email_domain_value}


def _saml_settings(data: dict, errors: FieldErrors, existing: dict | None = None) -> dict:
    from app.services.sso import saml

    return saml.clean_settings(data, errors, existing)


def connections_query(tenant: Tenant) -> Select:
    return (select(SsoConnection).where(SsoConnection.tenant_id == tenant.id)
            .order_by(SsoConnection.created_at, SsoConnection.id))


def list_connections(tenant: Tenant) -> list[SsoConnection]:
    return list(db.session.scalars(connections_query(tenant)))


def page_connections(tenant: Tenant, page: int, per_page: int) -> Page[SsoConnection]:
    return paginate(connections_query(tenant), page, per_page)


def get_connection(tenant: Tenant, connection_id: str) -> SsoConnection:
    """One of this tenant's connections; another tenant's is simply not found."""
    found = db.session.scalar(select(SsoConnection).where(SsoConnection.tenant_id == tenant.id,
                                                          SsoConnection.id == str(connection_id)))
    if found is None:
        raise NotFound(gettext("Connection not found."), code="sso_connection_not_found")
    return found


def find_connection(connection_id: str) -> SsoConnection | None:
    return db.session.get(SsoConnection, str(connection_id)) if connection_id else None


def create_connection(tenant: Tenant, data: dict, authority: Authority) -> SsoConnection:
    """Add a connection. `data`: protocol, name, default_role, group_roles and the protocol's settings
    (OIDC: issuer or a preset, client_id, client_secret; SAML: idp_metadata_url or idp_metadata_xml;
    LDAP: host, port, security, base_dn, user_dn_template). Every field's error is raised at once."""
    ensure_sso_available(tenant)
    errors = FieldErrors()
    data = _typed(data, errors)
    protocol = (data.get("protocol") or data.get("type") or "").strip().lower()
    if protocol not in SSO_PROTOCOLS:
        errors.add("type", f"Type must be one of {', '.join(SSO_PROTOCOLS)}.")
    name = _clean_name(data.get("name"), errors)
    default_role = _clean_default_role(data.get("default_role"), errors)
    group_roles = clean_group_roles(data.get("group_roles"), errors)
    settings: dict = {}
    secret: str | None = None
    if protocol == "oidc":
        settings = _oidc_settings(data, errors)
        secret = (data.get("client_secret") or "").strip()
        if not secret:
            errors.add("client_secret", "The client secret is required.")
        elif len(secret) > 1000:
            errors.add("client_secret", "The client secret must be at most 1000 characters.")
    elif protocol == "ldap":
        settings = _ldap_settings(data, errors)
    elif protocol == "saml":
        settings = _saml_settings(data, errors)
    if len(list_connections(tenant)) >= MAX_CONNECTIONS_PER_TENANT:
        errors.add("name", f"An organisation can have at most {MAX_CONNECTIONS_PER_TENANT} connections.")
    errors.raise_if_any()
    for role in {default_role, *group_roles.values()}:
        ensure_may_grant(authority, tenant, validate_role(role))
    with unit_of_work() as session:
        connection = SsoConnection(tenant_id=tenant.id, protocol=protocol, name=name, status="active",
                                   default_role=default_role, settings=settings, group_roles=group_roles,
                                   secret_ciphertext=secret_box.seal(secret) if secret else None,
                                   created_at=utcnow(), updated_at=utcnow())
        session.add(connection)
        session.flush()
        record("sso.connection_created", authority, tenant_id=tenant.id, target_type="sso_connection",
               target_id=connection.id, details={"protocol": protocol, "name": name, **_audit_settings(settings)})
    return connection


def _audit_settings(settings: dict) -> dict:
    """What the audit trail keeps of a connection's settings (no certificates, no metadata blobs)."""
    keep = ("issuer", "client_id", "preset", "idp_entity_id", "idp_metadata_url", "host", "port", "security",
            "base_dn")
    return {k: settings[k] for k in keep if settings.get(k) not in (None, "")}


def update_connection(tenant: Tenant, connection_id: str, data: dict, authority: Authority) -> SsoConnection:
    """Change a connection; only the fields given change. A new client secret replaces the old one."""
    connection = get_connection(tenant, connection_id)
    errors = FieldErrors()
    data = _typed(data, errors)
    name = _clean_name(data["name"], errors) if "name" in data else connection.name
    default_role = _clean_default_role(data["default_role"], errors) if "default_role" in data \
        else connection.default_role
    group_roles = clean_group_roles(data["group_roles"], errors) if "group_roles" in data \
        else connection.group_roles
    status = connection.status
    if "status" in data:
        status = str(data["status"] or "").strip().lower()
        if status not in ("active", "disabled"):
            errors.add("status", "Status must be active or disabled.")
        elif status == "active" and connection.disabled_by_platform:
            errors.add("status", "A platform administrator switched this connection off; contact support.")
    settings_keys = {"issuer", "client_id", "preset", "directory_id", "idp_metadata_url", "idp_metadata_xml",
                     "host", "port", "security", "base_dn", "user_dn_template", "email_attribute",
                     "name_attribute", "email_domain"}
    settings = connection.settings
    if settings_keys & set(data):
        if connection.protocol == "oidc":
            settings = _oidc_settings(data, errors, connection.settings)
        elif connection.protocol == "ldap":
            settings = _ldap_settings(data, errors, connection.settings)
        else:
            settings = _saml_settings(data, errors, connection.settings)
    secret = (data.get("client_secret") or "").strip() if connection.protocol == "oidc" else ""
    if len(secret) > 1000:
        errors.add("client_secret", "The client secret must be at most 1000 characters.")
    errors.raise_if_any()
    for role in {default_role, *group_roles.values()}:
        ensure_may_grant(authority, tenant, role)
    with unit_of_work():
        connection.name, connection.default_role, connection.group_roles = name, default_role, dict(group_roles)
        connection.settings = dict(settings)
        connection.status = status
        if secret:
            connection.secret_ciphertext = secret_box.seal(secret)
        connection.updated_at = utcnow()
        record("sso.connection_updated", authority, tenant_id=tenant.id, target_type="sso_connection",
               target_id=connection.id, details={"fields": sorted(k for k in data if k != "client_secret")
                                                 + (["client_secret"] if secret else [])})
    return connection


def delete_connection(tenant: Tenant, connection_id: str, actor: Actor) -> None:
    """Delete a connection and its identity links. Users and memberships stay: nothing else is lost."""
    connection = get_connection(tenant, connection_id)
    with unit_of_work() as session:
        record("sso.connection_deleted", actor, tenant_id=tenant.id, target_type="sso_connection",
               target_id=connection.id, details={"protocol": connection.protocol, "name": connection.name})
        session.delete(connection)


def set_platform_disabled(connection: SsoConnection, disabled: bool, actor: Actor) -> SsoConnection:
    """A platform admin switches a connection off (or back on); tenant admins cannot undo the off."""
    if not actor.is_platform_admin:
        raise PermissionDenied(gettext("This needs a platform administrator."))
    with unit_of_work():
        connection.disabled_by_platform = bool(disabled)
        connection.updated_at = utcnow()
        record("sso.connection_platform_disabled" if disabled else "sso.connection_platform_enabled", actor,
               tenant_id=connection.tenant_id, target_type="sso_connection", target_id=connection.id)
    return connection


def client_secret(connection: SsoConnection) -> str:
    return secret_box.unseal(connection.secret_ciphertext) if connection.secret_ciphertext else ""


def usable_connections(tenant: Tenant) -> list[SsoConnection]:
    return [c for c in list_connections(tenant) if c.is_usable]


def connections_for_email(email: str | None) -> list[SsoConnection]:
    """The connections a login page offers for this email: those of the tenant that verified its domain."""
    if not email or "@" not in email:
        return []
    claim = verified_owner(email_domain(email))
    if claim is None or claim.tenant.is_deleted:
        return []
    return usable_connections(claim.tenant)


def role_for_groups(connection: SsoConnection, groups: list[str]) -> str:
    """The highest role any of the person's groups maps to, else the connection's default role."""
    from app.services.permissions import ROLE_RANK

    mapped = [connection.group_roles[g] for g in groups if g in (connection.group_roles or {})]
    return max(mapped, key=lambda r: ROLE_RANK[r]) if mapped else connection.default_role
