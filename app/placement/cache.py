"""Cache keys that cannot cross tenants: every key the app caches for a tenant starts with its id.

    tenant_cache.get(tenant_id, "search", query)  ->  key "tenant:<id>:search:<generation>:<digest>"

A namespace has a generation per tenant; `invalidate(tenant_id, "search")` moves it on, so every
entry written before is never read again (they expire on their own). Writers call it after their
commit: a reader that started earlier stores its answer under the old generation, unseen.
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


def _generation_key(tenant_id: str, namespace: str) -> str:
    return f"tenant:{tenant_id}:{namespace}:generation"


def _current_key(tenant_id: str, namespace: str, parts: tuple) -> str:
    generation = cache.get(_generation_key(tenant_id, namespace)) or 0
    return tenant_key(tenant_id, namespace, generation, *parts)


def get(tenant_id: str, namespace: str, *parts: Any) -> Any:
    return cache.get(_current_key(tenant_id, namespace, parts))


def set(tenant_id: str, namespace: str, *parts: Any, value: Any, timeout: int | None = None) -> None:
    cache.set(_current_key(tenant_id, namespace, parts), value, timeout=timeout)


def invalidate(tenant_id: str, namespace: str) -> None:
    """Forget everything cached for this tenant in `namespace` (call after the write commits)."""
    key = _generation_key(tenant_id, namespace)
    if cache.cache.inc(key) is None:  # a backend without atomic increments
        cache.set(key, (cache.get(key) or 0) + 1, timeout=0)
