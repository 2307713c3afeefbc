"""Fixtures for the browser portal's route tests: a tenant with one user per role, and another tenant."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.models import Tenant, User
from tests import factories as f


@dataclass
class Org:
    tenant: Tenant
    owner: User
    admin: User
    member: User
    viewer: User

    def user(self, role: str) -> User:
        return getattr(self, role)


@pytest.fixture
def org() -> Org:
    """Acme on the Free plan with an owner, an admin, a member and a viewer (4 of 5 seats)."""
    owner = f.user("owner@acme.test", name="Olga Owner")
    tenant = f.tenant("acme", owner=owner, name="Acme")
    return Org(tenant, owner, f.member(tenant, "admin", f.user("admin@acme.test", name="Adam Admin")),
               f.member(tenant, "member", f.user("member@acme.test", name="Mia Member")),
               f.member(tenant, "viewer", f.user("viewer@acme.test", name="Vic Viewer")))


@pytest.fixture
def other_org() -> Org:
    """Globex: a second tenant whose people must never see or touch Acme's."""
    owner = f.user("owner@globex.test", name="Gus Globex")
    tenant = f.tenant("globex", owner=owner, name="Globex")
    return Org(tenant, owner, f.member(tenant, "admin"), f.member(tenant, "member"), f.member(tenant, "viewer"))


HX = {"HX-Request": "true"}


def post(client, path: str, data: dict | None = None, *, htmx: bool = False, token_from: str | None = None):
    """POST a form with a valid CSRF token read from `token_from` (default: the portal home)."""
    from tests.conftest import csrf_token

    payload = {"csrf_token": csrf_token(client, token_from or "/forgot-password"), **(data or {})}
    return client.post(path, data=payload, headers=HX if htmx else {})
