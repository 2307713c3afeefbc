"""API-call metering of tenant-scoped requests. To be completed with the JSON API."""

from __future__ import annotations

from app.tenancy.principal import Principal


def meter_current_call(principal: Principal) -> None:
    """Count this call against the current tenant's monthly quota (429 past it)."""
