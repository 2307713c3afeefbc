"""A tenant with a SCIM token, and a client that speaks SCIM to it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.models import Tenant
from app.services.audit import Actor
from app.services.authority import Authority
from app.services.directory import tokens
from tests import factories

SCIM_JSON = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def scim_token(tenant: Tenant, name: str = "Entra ID") -> str:
    owner = tenant.owner
    _, secret = tokens.create_token(tenant, name, Authority.member(Actor.for_user(owner), tenant, "owner"))
    return secret


@dataclass
class Scim:
    client: object
    slug: str
    token: str

    def call(self, method: str, path: str, json=None, *, token: str | None = None, data=None, headers=None):
        all_headers = {"Authorization": f"Bearer {token or self.token}", **(headers or {})}
        if json is not None:
            import json as _json

            data = _json.dumps(json)
        return self.client.open(f"/scim/v2/{self.slug}{path}", method=method, data=data, headers=all_headers,
                                content_type=SCIM_JSON if data is not None else None)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.call("POST", path, json, **kw)

    def put(self, path, json=None, **kw):
        return self.call("PUT", path, json, **kw)

    def patch(self, path, operations, **kw):
        return self.call("PATCH", path, {"schemas": [PATCH_SCHEMA], "Operations": operations}, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


def user_body(user_name: str, *, email: str | None = None, external_id: str | None = None, active: bool = True,
              given: str = "Barbara", family: str = "Jensen") -> dict:
    return {"schemas": [USER_SCHEMA], "userName": user_name, "externalId": external_id, "active": active,
            "name": {"givenName": given, "familyName": family},
            "emails": [{"value": email or user_name, "type": "work", "primary": True}]}


@pytest.fixture
def acme(app):
    owner = factories.user("owner@acme.test", name="Olga Owner")
    return factories.tenant("acme", plan="pro", owner=owner, name="Acme")


@pytest.fixture
def scim(client, acme) -> Scim:
    return Scim(client, "acme", scim_token(acme))
