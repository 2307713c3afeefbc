"""Issue 9, finding 1 in a real browser: a document title planted by a tenant member, opened by a
platform admin on the tenant's audit page, must fire no request (it once granted platform admin)."""

from __future__ import annotations

from app.extensions import db
from app.models import User
from app.services import documents
from app.services.audit import Actor
from tests import factories as f
from tests.e2e.conftest import sign_in
from tests.web.test_user_content_is_inert import payloads


def test_platform_admin_opening_a_planted_audit_page_fires_no_grant_admin(page, live_server):
    owner = f.user("owner@acme.test", name="Olga Owner")
    tenant = f.tenant("acme", owner=owner, name="Acme")
    attacker = f.member(tenant, "member", f.user("mallory@acme.test", name="Mallory"))
    for i, title in enumerate(payloads(attacker.id)):
        documents.create_document(tenant, Actor.for_user(attacker), documents.Upload(title=title, content=f"b{i}"))
    f.user("root@platform.test", name="Platform Root", admin=True)

    sign_in(page, "root@platform.test")
    page.wait_for_load_state("networkidle")

    fired: list[str] = []
    page.on("request", lambda request: fired.append(f"{request.method} {request.url}"))
    page.goto("/t/acme/audit")
    page.wait_for_load_state("networkidle")
    page.get_by_text("grant-admin").first.wait_for()  # the titles are there, as text
    page.mouse.move(400, 400)
    page.wait_for_load_state("networkidle")

    assert [r for r in fired if "grant-admin" in r] == []
    db.session.expire_all()
    assert db.session.get(User, attacker.id).is_platform_admin is False
