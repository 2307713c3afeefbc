"""API-call metering of tenant-scoped requests.

A tenant route of the API (`ApiBlueprint.tenant`) calls `meter_current_call` once the caller is authenticated and admitted to the
tenant. The check and the count are one atomic step in `services.usage` (a conditional UPDATE, or
a Redis script), so concurrent calls never admit more than the monthly limit. Platform-admin calls
are not metered. Every metered response carries `X-Quota-Limit` / `X-Quota-Remaining` (omitted
for an unlimited plan), and a refusal is 429 `api_quota_exceeded` with `Retry-After`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, g
from flask_babel import gettext

from app.services import access_cache, quotas, usage
from app.services.errors import ApiQuotaExceeded
from app.tenancy.context import get_current_tenant
from app.tenancy.principal import Principal


@dataclass(frozen=True)
class _Limit:
    value: int | None  # None is unlimited, and must be cached too


def meter_current_call(principal: Principal) -> None:
    """Count this call against the current tenant's monthly quota (429 past it)."""
    if principal.is_platform_admin:
        return
    tenant = get_current_tenant()
    if tenant is None:  # enter_tenant always sets it; refuse rather than count nothing
        raise RuntimeError("meter_current_call needs an entered tenant")
    # The limit changes with the plan or an override: both clear the access cache.
    limit = access_cache.current_cache().get(("api_call_limit", tenant.id),
                                             lambda: _Limit(quotas.limits_for(tenant)["api_calls"])).value
    result = usage.consume_api_call(tenant.id, limit)
    g.quota_result = result
    if not result.allowed:
        raise ApiQuotaExceeded(
            gettext("%(tenant)s has used its %(limit)s API calls for this month. The quota resets at the start of next month (UTC), or upgrade the plan.", tenant=tenant.name, limit=format(limit, ',')),
            details={"limit": limit, "used": result.used, "retry_after": result.retry_after_seconds},
        )


def add_quota_headers(response: Response) -> Response:
    """Blueprint `after_request`: the quota headers on every metered response, Retry-After on a 429."""
    result = g.get("quota_result")
    if result is None:
        return response
    if result.limit is not None:
        response.headers["X-Quota-Limit"] = str(result.limit)
        response.headers["X-Quota-Remaining"] = str(result.remaining)
    if not result.allowed:
        response.headers["Retry-After"] = str(result.retry_after_seconds)
    return response
