"""Cache keys that cannot cross tenants: every key the app caches for a tenant starts with its id.

    tenant_cache.get(tenant_id, "search", query)  ->  key "tenant:<id>:search:<digest>"
"""

from __future__ import annotations

import hashlib
from typing import Any

from app.extensions import cache


def tenant_key(tenant_id: str, namespace: str, *parts: Any) -> str:
    """`tenant:<id>:<namespace>:<digest of parts>`; parts are hashed, so no part can forge a prefix."""
    if not tenant_id:
        raise ValueError("a tenant cache key needs a tenant")
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"tenant:{tenant_id}:{namespace}:{digest}"


def get(tenant_id: str, namespace: str, *parts: Any) -> Any:
    return cache.get(tenant_key(tenant_id, namespace, *parts))


def set(tenant_id: str, namespace: str, *parts: Any, value: Any, timeout: int | None = None) -> None:
    cache.set(tenant_key(tenant_id, namespace, *parts), value, timeout=timeout)
