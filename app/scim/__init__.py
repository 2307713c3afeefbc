"""SCIM 2.0 (RFC 7643/7644) for identity providers: `/scim/v2/<tenant_slug>/...`, one base URL per tenant.

Why per tenant rather than one host-wide base with the token naming the tenant: the URL an owner
pastes into Entra ID or Okta then says which organisation it provisions, a token is checked against
that one tenant only (another tenant's token is simply not valid here), and the ids and userNames
each tenant's directory sees are its own. RFC 7644 §6.1 describes exactly this URL-prefix layout.

The routes are declared `public` because the session and API-key guards do not apply: a SCIM
request authenticates with the tenant's SCIM token (`app.services.directory.tokens.authenticate`),
checked in `serve` before anything else runs, except for ServiceProviderConfig (RFC 7644 §4 lets
it be read without credentials). scim2-server does the protocol; `app.scim.storage` maps it onto the
directory service.
"""

from __future__ import annotations

import json
import logging

from flask import Response, request, url_for
from scim2_models import ForbiddenException, SCIMException, UnauthorizedException
from scim2_server.handler import ScimHandler
from scim2_server.requests import ScimRequest
from scim2_server.routing import Operation

from app.models import Tenant
from app.scim.provider import SERVICE
from app.scim.storage import TenantDirectory
from app.services import entitlements, tenant_status, tenants
from app.services.audit import Actor
from app.services.authority import Authority, Via
from app.services.directory import tokens
from app.services.errors import DomainError, FeatureNotInPlan
from app.tenancy.routes import GuardedBlueprint

log = logging.getLogger(__name__)

bp = GuardedBlueprint("scim", __name__, url_prefix="/scim/v2")

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
REASON = ("SCIM: authenticated by the tenant's own SCIM bearer token in app.scim.serve "
          "(services.directory.tokens.authenticate), which refuses every other tenant's token")


def init_app(app) -> None:
    from app.extensions import csrf

    csrf.exempt(bp)  # bearer tokens, never cookies


@bp.public("/<tenant_slug>", methods=METHODS, reason=REASON)
def root(tenant_slug: str):
    return serve(tenant_slug, "")


@bp.public("/<tenant_slug>/<path:path>", methods=METHODS, reason=REASON)
def resource(tenant_slug: str, path: str):
    return serve(tenant_slug, path)


def base_url(tenant: Tenant) -> str:
    """The tenant's SCIM base URL, as an identity provider is given it ("Tenant URL" in Entra ID)."""
    return url_for("scim.root", tenant_slug=tenant.slug, _external=True)


def _scim_request(tenant_slug: str, path: str) -> ScimRequest:
    return ScimRequest(method=request.method, base_url=url_for("scim.root", tenant_slug=tenant_slug, _external=True),
                       path="/" + path.removesuffix(".scim"), query=request.args.to_dict(),
                       headers=list(request.headers.items()), body=request.get_data(cache=False))


def _tenant(slug: str) -> Tenant | None:
    tenant = tenants.find_tenant(slug)
    return tenant if tenant is not None and tenant.slug == slug else None


def _authenticate(tenant: Tenant | None, scim_request: ScimRequest):
    scheme, _, secret = (scim_request.header("Authorization") or "").partition(" ")
    token = tokens.authenticate(tenant, secret.strip()) if tenant is not None and scheme.lower() == "bearer" else None
    if token is None:
        # An unknown tenant looks like a wrong token: the endpoint does not tell which slugs exist.
        raise UnauthorizedException(detail="Send this tenant's SCIM token: Authorization: Bearer <token>.")
    return token


def serve(tenant_slug: str, path: str) -> Response:
    scim_request = _scim_request(tenant_slug, path)
    try:
        tenant = _tenant(tenant_slug)
        needs_token = SERVICE.match(scim_request).operation is not Operation.service_provider_config
        if needs_token or tenant is None:
            token = _authenticate(tenant, scim_request)
            refusal = tenant_status.refusal(tenant, writing=request.method not in ("GET", "HEAD"))
            if refusal is not None:
                raise ForbiddenException(detail=refusal.message)
            if not entitlements.has_feature(tenant, "scim"):  # a downgrade stops provisioning, not sign-in
                try:
                    entitlements.require_feature(tenant, "scim")
                except FeatureNotInPlan as exc:
                    raise ForbiddenException(detail=exc.message) from exc
            storage = TenantDirectory(tenant, tokens.actor_for(token, request.remote_addr))
        else:  # ServiceProviderConfig reads no resource: the storage is never called
            storage = TenantDirectory(tenant, Authority.of(Actor(label="anonymous", ip=request.remote_addr),
                                                           tenant_id=tenant.id, via=Via.ANONYMOUS))
        scim_response = ScimHandler(SERVICE, storage).handle(scim_request)
    except (SCIMException, DomainError) as exc:
        if isinstance(exc, DomainError):
            exc = ForbiddenException(detail=exc.message)
        log.info("SCIM %s %s: %s", request.method, request.path, exc)
        scim_response = SERVICE.error_response(exc)
    except Exception as exc:  # a bug: logged with its traceback, answered as a SCIM error, never a page
        log.exception("SCIM %s %s failed", request.method, request.path)
        scim_response = SERVICE.error_response(exc)
    body = b"" if scim_response.body is None else json.dumps(scim_response.body).encode()
    headers = dict(scim_response.headers)
    headers.setdefault("Cache-Control", "no-store")
    return Response(body, status=scim_response.status.value, headers=headers,
                    content_type=headers.pop("Content-Type", "application/scim+json"))
