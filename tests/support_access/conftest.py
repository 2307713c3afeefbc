"""The world of support access: Acme with its owner, a member, a platform admin, and their test clients.

The Chromium journey is tests/e2e/test_support_access_journey.py: the e2e suite owns the one browser a run
may start (a second sync Playwright in the same run fails inside the first one's event loop)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, OutboundEmail
from tests import factories as f
from tests.conftest import csrf_token, login

REASON = "Ticket 4711: invoices do not show"


@pytest.fixture
def world():
    owner = f.user("olive@acme.test", name="Olive")
    tenant = f.tenant("acme", owner=owner, plan="pro", status="active", name="Acme")
    member = f.member(tenant, "admin", f.user("adam@acme.test", name="Adam"))
    admin = f.user("root@platform.test", admin=True, name="Root")
    other = f.tenant("globex", owner=f.user("gus@globex.test"), plan="pro", status="active", name="Globex")
    return {"tenant": tenant, "owner": owner, "member": member, "admin": admin, "other": other}


class Browser:
    """A test client signed in as one person, posting forms with a CSRF token."""

    def __init__(self, client, user, token_page: str) -> None:
        self.client = client
        login(client, user)
        self.token = csrf_token(client, token_page)

    def open_grant(self, tenant, grant):
        """Open an approved grant (a new session: the CSRF token is read again)."""
        response = self.post(f"/admin/tenants/{tenant.id}/support-access/{grant.id}/open")
        if response.headers.get("Location", "").endswith(f"/t/{tenant.slug}/"):
            self.token = csrf_token(self.client, f"/t/{tenant.slug}/")
        return response

    def get(self, path: str):
        return self.client.get(path)

    def post(self, path: str, **data):
        response = self.client.post(path, data={"csrf_token": self.token, **data})
        db.session.expire_all()
        return response


@pytest.fixture
def admin_browser(client, world):
    return Browser(client, world["admin"], "/admin/")


@pytest.fixture
def owner_browser(server_app, world):
    return Browser(server_app.test_client(), world["owner"], "/t/acme/")


@pytest.fixture
def member_browser(server_app, world):
    return Browser(server_app.test_client(), world["member"], "/t/acme/")


def events(tenant_id: str, prefix: str = "") -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.tenant_id == tenant_id,
                                                            AuditEvent.action.startswith(prefix))
                                   .order_by(AuditEvent.id)))


def outbox(kind: str) -> list[OutboundEmail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboundEmail).where(OutboundEmail.kind == kind).order_by(OutboundEmail.id)))
