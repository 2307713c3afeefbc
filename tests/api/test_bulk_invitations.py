"""POST /api/v1/tenants/{id}/invitations/bulk: the preview and the send, with the portal's rules."""

from __future__ import annotations

from app.extensions import db
from app.models import TenantInvitation

URL = "/api/v1/tenants/acme/invitations/bulk"


def _pending(world) -> list[str]:
    db.session.expire_all()
    return sorted(i.email for i in db.session.query(TenantInvitation).filter_by(tenant_id=world.tenant.id))


def test_preview_sends_nothing_and_send_invites_the_new_rows(world, api, mailbox):
    text = "email,role\nnew@elsewhere.test,admin\nviewer@acme.test,member\nbad address,member\n"
    preview = api.post(URL, headers=world.headers("admin"), json={"text": text, "preview": True})
    assert preview.status_code == 200
    body = preview.get_json()
    assert body["sent"] is False
    assert [r["outcome"] for r in body["rows"]] == ["new", "already_member", "invalid_email"]
    assert _pending(world) == [] and mailbox.messages == []

    sent = api.post(URL, headers=world.headers("admin"), json={"text": text})
    assert sent.status_code == 200
    body = sent.get_json()
    assert body["sent"] is True and body["counts"]["sent"] == 1
    assert [r["outcome"] for r in body["rows"]] == ["sent", "already_member", "invalid_email"]
    assert _pending(world) == ["new@elsewhere.test"]
    mailbox.wait_for("new@elsewhere.test")


def test_too_many_rows_or_empty_input_is_a_422_and_nothing_is_sent(world, api):
    many = "".join(f"p{n}@elsewhere.test\n" for n in range(10_000))
    for text in (many, ""):
        response = api.post(URL, headers=world.headers("admin"), json={"text": text})
        assert response.status_code == 422, response.get_json()
        assert "text" in response.get_json()["error"]["details"]["fields"]
    assert _pending(world) == []


def test_a_member_may_not_bulk_invite(world, api):
    response = api.post(URL, headers=world.headers("member"), json={"text": "x@elsewhere.test"})
    assert response.status_code == 403
    assert _pending(world) == []
