"""The OpenAPI document is the contract: schemathesis generates requests from it and checks every answer.

Each documented operation is fuzzed on its own (one test item per operation, generation mode and
caller), against the app's WSGI callable (`server_app`), with a real key into a real tenant. Any
500, undocumented status or header, body that breaks its schema, schema-valid request refused
(positive mode) or schema-violating request accepted (negative mode) fails that item.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app import create_app
from app.api.openapi import build_document
from tests import factories
from tests.api.conftest import bearer

# Per operation and key. The stateful CLI run (`make api-contract`, in CI) goes deeper across
# operations; CONTRACT_EXAMPLES raises this for a local deep run.
MAX_EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "10"))
METHODS = ("get", "put", "post", "patch", "delete")


def _documented_operations() -> list[tuple[str, str, GenerationMode]]:
    """(METHOD, path, mode) for every documented operation, read from the document itself.

    Negative mode only where something can be made schema-violating: a body, or a parameter other
    than the tenant reference (which the test fixes to a real tenant).
    """
    app = create_app("testing")
    with app.app_context():
        document = build_document()
    cases = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            cases.append((method.upper(), path, GenerationMode.POSITIVE))
            parameters = [p for p in [*item.get("parameters", []), *operation.get("parameters", [])]
                          if p != {"$ref": "#/components/parameters/TenantRef"}]
            if parameters or "requestBody" in operation:
                cases.append((method.upper(), path, GenerationMode.NEGATIVE))
    return cases


CASES = _documented_operations()


@pytest.fixture
def contract_world(app):
    owner = factories.user("owner@contract.test")
    # Enterprise: unlimited calls, so metering never cuts the run short for the owner's key.
    tenant = factories.tenant("contract", plan="enterprise", owner=owner)
    factories.member(tenant, "member")
    factories.invitation(tenant)
    doomed = factories.tenant("doomed", plan="free")
    return tenant, doomed


@pytest.mark.parametrize("who", ["platform", "owner"])
@pytest.mark.parametrize(("method", "path", "mode"), CASES, ids=[f"{m} {p} {mode.value}" for m, p, mode in CASES])
def test_operation_honours_the_openapi_document(server_app, contract_world, method, path, who, mode):
    tenant, doomed = contract_world
    secret = factories.api_key(None) if who == "platform" else factories.api_key(tenant, "owner")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", server_app)
    # The key is sent explicitly with every call; generated (invalid) credentials would only test 401,
    # which the ignored_auth check probes on its own.
    schema.config.generation.update(with_security_parameters=False)
    operation = schema[path][method]
    # x-content-checked: the body's shape is in the schema, its content (IdP metadata, a domain) is judged
    # on its merits, so a well-shaped body may get a documented 422 and positive mode must allow it.
    excluded = [positive_data_acceptance] if operation.definition.raw.get("x-content-checked") else []
    # A body too large for the request limit is refused before it is parsed: a documented 413 rejects it too.
    if "413" in operation.definition.raw.get("responses", {}):
        rejection = schema.config.checks.negative_data_rejection
        rejection.expected_statuses = [*rejection.expected_statuses, "413"]  # a copy: the default list is shared
    # Ids never change (a PATCH may change the slug); deleting a tenant gets one of its own.
    ref = doomed.id if (method, path) == ("DELETE", "/api/v1/tenants/{tenant_ref}") else tenant.id
    path_parameters = {"tenant_ref": ref} if "{tenant_ref}" in path else None
    headers = bearer(secret)

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    def check(case):
        # A schema cannot say "the X-Tenant-ID header and the tenant_id query must agree"; two sources
        # naming different tenants are a documented 400 tenant_conflict, tested on their own.
        if case.headers and "X-Tenant-ID" in case.headers and case.query and "tenant_id" in case.query:
            case.query["tenant_id"] = case.headers["X-Tenant-ID"]
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    check()
