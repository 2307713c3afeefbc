"""The audit log: the tenant's own events, newest first, filtered by action and actor, paged with HTMX."""

from __future__ import annotations

from app.services.audit import Actor, record_now
from tests import factories as f


def _events(tenant, n: int, action: str = "document.created", actor: str = "bot@acme.test") -> None:
    for i in range(n):
        record_now(action, Actor(label=actor), tenant_id=tenant.id, target_type="document", target_id=i)


def test_admin_sees_the_tenants_events_newest_first(client, as_user, org, other_org):
    _events(other_org.tenant, 1, action="globex.secret")
    _events(org.tenant, 1, action="document.deleted")
    as_user(org.admin)
    html = client.get("/t/acme/audit").get_data(as_text=True)
    assert "globex.secret" not in html
    rows = html.split('data-testid="audit-row"')[1:]
    assert "document.deleted" in rows[0]
    assert any("member.added" in r for r in rows)


def test_filter_by_action_and_actor(client, as_user, org):
    _events(org.tenant, 3, actor="bot@acme.test")
    _events(org.tenant, 2, action="document.deleted", actor="human@acme.test")
    as_user(org.admin)
    html = client.get("/t/acme/audit?action=document.deleted").get_data(as_text=True)
    assert html.count('data-testid="audit-row"') == 2
    html = client.get("/t/acme/audit?actor=BOT@").get_data(as_text=True)
    assert html.count('data-testid="audit-row"') == 3
    html = client.get("/t/acme/audit?action=document.deleted").get_data(as_text=True)
    assert '<option selected value="document.deleted">' in html  # the filter stays visible


def test_pages_come_as_htmx_fragments_keeping_the_filter(client, as_user, org):
    _events(org.tenant, 30)
    as_user(org.admin)
    first = client.get("/t/acme/audit?action=document.").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert 'hx-get="/t/acme/audit?page=2&amp;action=document."' in first
    second = client.get("/t/acme/audit?page=2&action=document.", headers={"HX-Request": "true"})
    html = second.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<div id="results"')
    assert html.count('data-testid="audit-row"') == 5 and "Page 2 of 2" in html


def test_no_match_says_so(client, as_user, org):
    as_user(org.admin)
    html = client.get("/t/acme/audit?actor=nobody-at-all").get_data(as_text=True)
    assert "No events match" in html


def test_another_tenants_owner_gets_404(client, as_user, org, other_org):
    as_user(other_org.owner)
    assert client.get("/t/acme/audit?page=2").status_code == 404


def test_members_cannot_read_the_audit_log(client, as_user, org):
    as_user(org.member)
    assert client.get("/t/acme/audit").status_code == 403


def test_garbage_page_numbers_fall_back_to_the_first_page(client, as_user, org):
    f.invitation(org.tenant)
    as_user(org.admin)
    assert client.get("/t/acme/audit?page=banana").status_code == 200
