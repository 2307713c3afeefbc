"""An OpenFeature provider for a tenant's features: its Python services evaluate Tenantry's plan
entitlements and feature flags through the standard client.

    from openfeature import api
    from app.integrations.openfeature import TenantryProvider

    api.set_provider(TenantryProvider("https://portal.example", api_key="tk_..."))
    api.get_client().get_boolean_value("sso", False)

Flag keys are the feature keys (`sso`, `webhooks` ...) and the tenant's flag names; a flag set on the
tenant wins over an entitlement of the same name. The answer of `GET /api/v1/tenants/current/features`
is kept for `ttl` seconds (reason CACHED after the first fetch); when the portal cannot be reached the
caller's default is returned with error code GENERAL, never an exception in the caller's code path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from openfeature.evaluation_context import EvaluationContext
from openfeature.exception import ErrorCode
from openfeature.flag_evaluation import FlagResolutionDetails, Reason
from openfeature.provider import AbstractProvider, Metadata

FEATURES_PATH = "/api/v1/tenants/current/features"


class TenantryProvider(AbstractProvider):
    """Boolean flags from the portal's evaluation API; other types are a TYPE_MISMATCH (defaults)."""

    def __init__(self, base_url: str, api_key: str, *, tenant: str | None = None, ttl: float = 30.0,
                 timeout: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {api_key}", **({"X-Tenant-ID": tenant} if tenant else {})}
        self.ttl = ttl
        self.timeout = timeout
        self.clock = clock
        self._lock = threading.Lock()
        self._fetched_at: float | None = None
        self._values: dict[str, bool] = {}

    def get_metadata(self) -> Metadata:
        return Metadata(name="Tenantry")

    def _features(self) -> tuple[dict[str, bool], bool]:
        """The flag values and whether they came from the cache."""
        with self._lock:
            if self._fetched_at is not None and self.clock() - self._fetched_at < self.ttl:
                return self._values, True
            response = requests.get(self.base_url + FEATURES_PATH, headers=self.headers, timeout=self.timeout)
            response.raise_for_status()
            body = response.json()
            self._values = {**body.get("entitlements", {}), **body.get("flags", {})}
            self._fetched_at = self.clock()
            return self._values, False

    def resolve_boolean_details(self, flag_key: str, default_value: bool,
                                evaluation_context: EvaluationContext | None = None) -> FlagResolutionDetails[bool]:
        try:
            values, cached = self._features()
        except (requests.RequestException, ValueError) as exc:
            return FlagResolutionDetails(default_value, error_code=ErrorCode.GENERAL, error_message=str(exc),
                                         reason=Reason.ERROR)
        if flag_key not in values:
            return FlagResolutionDetails(default_value, error_code=ErrorCode.FLAG_NOT_FOUND,
                                         error_message=f"no feature or flag {flag_key!r}", reason=Reason.DEFAULT)
        value = bool(values[flag_key])
        return FlagResolutionDetails(value, reason=Reason.CACHED if cached else Reason.STATIC,
                                     variant="on" if value else "off")

    def _mismatch(self, default_value: Any) -> FlagResolutionDetails:
        return FlagResolutionDetails(default_value, error_code=ErrorCode.TYPE_MISMATCH,
                                     error_message="Tenantry features are booleans", reason=Reason.ERROR)

    def resolve_string_details(self, flag_key: str, default_value: str,
                               evaluation_context: EvaluationContext | None = None) -> FlagResolutionDetails[str]:
        return self._mismatch(default_value)

    def resolve_integer_details(self, flag_key: str, default_value: int,
                                evaluation_context: EvaluationContext | None = None) -> FlagResolutionDetails[int]:
        return self._mismatch(default_value)

    def resolve_float_details(self, flag_key: str, default_value: float,
                              evaluation_context: EvaluationContext | None = None) -> FlagResolutionDetails[float]:
        return self._mismatch(default_value)

    def resolve_object_details(self, flag_key: str, default_value: dict | list,
                               evaluation_context: EvaluationContext | None = None) -> FlagResolutionDetails:
        return self._mismatch(default_value)
