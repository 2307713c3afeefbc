"""The world API tests act in: one tenant with a user and a key per role, another tenant, a platform key."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from app.models import Tenant, User
from tests import factories


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@dataclass
class World:
    tenant: Tenant
    other: Tenant
    users: dict[str, User] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # role (or "other", "platform") -> secret

    def headers(self, who: str) -> dict[str, str]:
        """Authorization for `who`: a role in `tenant`, "other" (a key of another tenant), "platform", "none"."""
        return {} if who == "none" else bearer(self.keys[who])


@pytest.fixture
def world(app) -> World:
    owner = factories.user("owner@acme.test")
    tenant = factories.tenant("acme", plan="pro", owner=owner, name="Acme")
    other = factories.tenant("globex", plan="basic", name="Globex")
    built = World(tenant=tenant, other=other, users={"owner": owner})
    for role in ("admin", "member", "viewer"):
        built.users[role] = factories.member(tenant, role, factories.user(f"{role}@acme.test"))
    for role in ("owner", "admin", "member", "viewer"):
        built.keys[role] = factories.api_key(tenant, role, name=f"{role} key")
    built.keys["other"] = factories.api_key(other, "owner", name="globex key")
    built.keys["platform"] = factories.api_key(None, name="platform key")
    return built


@pytest.fixture
def api(client):
    """`api.get(path, who=..., world=...)`-style calls: thin sugar over the test client."""

    class Api:
        def __init__(self) -> None:
            self.client = client

        def call(self, method: str, path: str, *, key: str | None = None, headers: dict | None = None, **kwargs):
            all_headers = dict(headers or {})
            if key:
                all_headers.update(bearer(key))
            return self.client.open(path, method=method, headers=all_headers, **kwargs)

        def get(self, path: str, **kwargs):
            return self.call("GET", path, **kwargs)

        def post(self, path: str, **kwargs):
            return self.call("POST", path, **kwargs)

        def patch(self, path: str, **kwargs):
            return self.call("PATCH", path, **kwargs)

        def delete(self, path: str, **kwargs):
            return self.call("DELETE", path, **kwargs)

    return Api()
