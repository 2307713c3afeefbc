"""The API's hot path: a warm, admitted metered call answered without Flask's request machinery.

Integrations call a few read routes on every request of their own (`GET /api/v1/tenants/current`).
On the ordinary path such a call costs the whole stack every route pays: a request context, the
session, the sign-in loader, the rate limiter's check, a dozen hooks. Measured in one process, those
hooks alone cap any route at about a quarter of bare Flask's speed (docs/performance.md), whatever the
route does. This WSGI middleware sits in front of Flask and answers such a call itself, but only when
everything the answer needs is already in this process and nothing about the request is unusual:

- the route is one of `HOT_ROUTES`, `GET`, with no query string, body, cookie, tenant header or
  subdomain: the tenant is the key's own, as the resolver would choose it;
- the key and its tenant are in the access cache (`services.access_cache`: the same entries, the same
  invalidation, the same trust window), the key holds no custom role, the tenant's plane is a row plane;
- the guard's own checks pass (`tenant_status.refusal`, `allows`), computed by the same functions;
- this process holds a block of the tenant's quota with a call left (`LeaseBook.take_held`): the
  call is admitted from memory, so exactness is the lease book's, unchanged.

Anything else (a cold cache, a refusal, a new block to lease, an error) goes to Flask untouched,
which decides as it always does; nothing here can refuse a call. What the ordinary path does after
the view is done here too, by the same code where it can be shared: the quota headers, the security
headers, the request id, the access log line and the Prometheus counters. `tests/api/test_hot_path_parity.py`
holds the two paths to the same status, headers, body, log line and metrics.
"""

from __future__ import annotations

import logging
import os
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from app.models import ApiKey, Tenant
from app.models.types import utcnow
from app.placement.plane_migrations import DEDICATED
from app.services import api_keys, feature_flags, tenant_status, tenants, usage
from app.services.access_cache import cache_of
from app.services.authority import allows
from app.services.meters import MeterResult
from app.services.permissions import Permission, get_permission
from app.tenancy.principal import Principal
from app.web.logs import ACCESS, log_access
from app.web.security import REQUEST_ID_RE, static_security_headers

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]

# A request carrying any of these is decided by the ordinary path (a cookie is a browser session;
# the others name a tenant, or change what the answer is).
_UNUSUAL = ("HTTP_COOKIE", "HTTP_X_TENANT_ID", "HTTP_HX_REQUEST", "HTTP_ORIGIN")


@dataclass(frozen=True)
class HotRoute:
    endpoint: str  # the Flask endpoint and URL rule the ordinary path would match
    rule: str
    permission: Permission
    body: Callable[[Tenant], dict[str, Any]]


def _routes() -> dict[str, HotRoute]:
    from app.api.tenants import tenant_json

    return {"/api/v1/tenants/current": HotRoute("api.current", "/api/v1/tenants/current",
                                                get_permission("tenant.read"), tenant_json)}


class HotPath:
    """WSGI middleware in front of the app's own `wsgi_app` (installed by `install`)."""

    def __init__(self, app: Flask, downstream: WSGIApp) -> None:
        self.app = app
        self.downstream = downstream
        self.routes = _routes()
        self.cache = cache_of(app)
        self.leases = usage.lease_book(app)
        self.access_log = bool(app.config.get("ACCESS_LOG", True))
        self.security_headers = static_security_headers()
        self.base_domain = app.config.get("TENANT_BASE_DOMAIN") or app.config.get("SERVER_NAME")
        self._bodies: weakref.WeakKeyDictionary[Tenant, dict[tuple, bytes]] = weakref.WeakKeyDictionary()
        self._decisions: weakref.WeakKeyDictionary[ApiKey, dict[tuple[str, str], bool]] = weakref.WeakKeyDictionary()
        metrics = app.extensions.get("metrics")
        self.metrics = _Metrics(metrics) if metrics else None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        route = self.routes.get(environ.get("PATH_INFO", ""))
        if route is None or environ.get("REQUEST_METHOD") != "GET" or not self._plain(environ):
            return self.downstream(environ, start_response)
        started = time.perf_counter()
        try:
            answer = self._answer(route, environ)
        except Exception:  # never a 500 of its own: the ordinary path answers, and its errors are known
            ACCESS.exception("API hot path: %s left to the ordinary path", route.rule)
            answer = None
        if answer is None:
            return self.downstream(environ, start_response)
        status, headers, body, tenant, key_id, request_id = answer
        self._observe(route, environ, tenant, key_id, request_id, time.perf_counter() - started)
        start_response(status, headers)
        return [body]

    def _plain(self, environ: dict) -> bool:
        if environ.get("QUERY_STRING") or environ.get("CONTENT_LENGTH") not in (None, "", "0"):
            return False
        if any(name in environ for name in _UNUSUAL):
            return False
        if self.base_domain:  # a tenant subdomain names a tenant: the resolver decides
            host = (environ.get("HTTP_HOST") or "").split(":")[0].lower()
            if host.endswith("." + self.base_domain.split(":")[0].lower()):
                return False
        return True

    def _answer(self, route: HotRoute, environ: dict) -> tuple | None:
        scheme, _, secret = (environ.get("HTTP_AUTHORIZATION") or "").partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret.startswith(api_keys.SECRET_PREFIX) or len(secret) > 200:
            return None
        key = self.cache.peek(("api_key", api_keys.hash_secret(secret)))
        if key is None or key.is_platform or key.tenant_id is None or key.custom_role_id is not None \
                or key.has_expired():
            return None
        tenant = self.cache.peek(("tenant", key.tenant_id))
        limit = self.cache.peek(("api_call_limit", key.tenant_id))
        if tenant is None or limit is None or tenant.isolation_strategy in DEDICATED:
            return None
        # The guard's decisions, by the guard's functions (a key passes the two-factor rule).
        if tenant_status.refusal(tenant) is not None or not self._allowed(key, tenant, route.permission):
            return None
        body = self._body(route, tenant)
        now = utcnow()
        result = self.leases.take_held(tenant.id, limit.value, now)
        if result is None:
            return None
        api_keys.note_use(key.id, now, self.app)
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if REQUEST_ID_RE.match(incoming) else _new_request_id()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                   *_quota_headers(result), ("Vary", "Cookie"),  # as Flask's: its session was looked at
                   *self.security_headers, ("X-Request-ID", request_id)]
        return "200 OK", headers, body, tenant, key.id, request_id

    def _allowed(self, key: ApiKey, tenant: Tenant, permission: Permission) -> bool:
        """`allows()` for the key in its tenant, kept with the cached key object (replaced, like the
        tenant's, by any change to what it was made from)."""
        decisions = self._decisions.get(key)
        if decisions is None:
            decisions = self._decisions.setdefault(key, {})
        allowed = decisions.get((tenant.id, permission.name))
        if allowed is None:
            authority = Principal(api_key=key, via="api_key").authority(tenant)
            allowed = decisions[(tenant.id, permission.name)] = allows(authority, permission)
        return allowed

    def _body(self, route: HotRoute, tenant: Tenant) -> bytes:
        """What jsonify writes for the route, kept with the cached tenant object it was made from: that
        object is never changed, and a change to its rows replaces it in the access cache. Keyed by what
        the clock alone can change too: the tenant's status (a trial that ends) and its flags in force (an
        override that expires)."""
        status = tenants.effective_status(tenant)
        with self.app.app_context():  # the flags' expiry is applied now, from the access cache: no query
            flags = tuple(feature_flags.effective_flags(tenant).items())
        bodies = self._bodies.get(tenant)
        if bodies is None:
            bodies = self._bodies.setdefault(tenant, {})
        body = bodies.get((route.endpoint, status, flags))
        if body is None:
            with self.app.app_context():
                body = bodies[(route.endpoint, status, flags)] = self.app.json.response(route.body(tenant)).get_data()
        return body

    def _observe(self, route: HotRoute, environ: dict, tenant: Tenant, key_id: int, request_id: str,
                 duration: float) -> None:
        if self.metrics is not None:
            self.metrics.observe(route, tenant, duration)
        if self.access_log and ACCESS.isEnabledFor(logging.INFO):
            log_access("GET", route.rule, route.rule, 200, duration * 1000, environ.get("REMOTE_ADDR"), route.endpoint,
                       request_id=request_id, tenant_id=tenant.id, actor=f"api-key:{key_id}")


def _quota_headers(result: MeterResult) -> list[tuple[str, str]]:
    if result.limit is None:
        return []
    return [("X-Quota-Limit", str(result.limit)), ("X-Quota-Remaining", str(result.remaining))]


def _new_request_id() -> str:
    return os.urandom(16).hex()  # what the ordinary path's uuid4().hex is: 32 random hex digits


class _Metrics:
    """The counters the ordinary path's hooks move for a request: Prometheus's request duration and
    total (prometheus-flask-exporter's, found by name in the app's registry) and the metered-call count."""

    def __init__(self, metrics: dict) -> None:
        from app.web.metrics import plan_of

        collectors = metrics["registry"]._names_to_collectors  # the exporter keeps no handle of its own
        self.duration = collectors["flask_http_request_duration_seconds"]
        self.total = collectors["flask_http_request_total"].labels(method="GET", status="200")
        self.api_calls = metrics["api_calls"]
        self.plan_of = plan_of
        self._children: dict[tuple[str, str], Any] = {}  # labels() looked up once per series

    def _child(self, kind: str, label: str) -> Any:
        child = self._children.get((kind, label))
        if child is None:
            child = self._children[(kind, label)] = (
                self.duration.labels(method="GET", url_rule=label, status="200") if kind == "duration"
                else self.api_calls.labels(label, "admitted"))
        return child

    def observe(self, route: HotRoute, tenant: Tenant, duration: float) -> None:
        self._child("duration", route.rule).observe(duration)
        self.total.inc()
        self._child("api_calls", self.plan_of(tenant)).inc()


def install(app: Flask) -> None:
    """Put the hot path in front of the app (`API_HOT_PATH=false` turns it off)."""
    if app.config.get("API_HOT_PATH", True):
        app.wsgi_app = HotPath(app, app.wsgi_app)  # type: ignore[method-assign]
