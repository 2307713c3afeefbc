"""Bulk invitations in the portal: preview, send (the result table stays), CSV upload and bad files."""

from __future__ import annotations

import io

from app.extensions import db
from app.models import TenantInvitation
from tests.conftest import csrf_token
from tests.web.conftest import post

URL = "/t/acme/invitations/bulk"


def _pending() -> list[str]:
    db.session.expire_all()
    return sorted(i.email for i in db.session.query(TenantInvitation).filter_by(status="pending"))


def test_preview_then_send_keeps_the_result_table(client, as_user, org, mailbox):
    as_user(org.admin)
    assert "Bulk invitations" in client.get("/t/acme/invitations").get_data(as_text=True)
    addresses = "new@acme.test\nmember@acme.test\nnot an address\nsecond@acme.test"
    page = post(client, URL, {"addresses": addresses, "role": "member", "action": "preview"}, token_from=URL)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "New invitation" in html and "Already a member" in html and "Invalid address" in html
    assert "Over the seat quota" in html  # 4 of 5 seats: only the first new row fits
    assert _pending() == [] and mailbox.messages == []

    page = post(client, URL, {"addresses": addresses, "role": "member", "action": "send"}, token_from=URL)
    html = page.get_data(as_text=True)
    assert "Invitation sent" in html and "1 invitations sent" in html
    assert _pending() == ["new@acme.test"]
    mailbox.wait_for("new@acme.test")


def _upload(client, data: bytes):
    return client.post(URL, data={"csrf_token": csrf_token(client, URL), "role": "member", "action": "send",
                                  "file": (io.BytesIO(data), "people.csv")}, content_type="multipart/form-data")


def test_a_csv_upload_is_read(client, as_user, org, mailbox):
    as_user(org.owner)
    page = _upload(client, b"email,role\nzoe@acme.test,viewer\n")
    assert page.status_code == 200 and "Invitation sent" in page.get_data(as_text=True)
    assert _pending() == ["zoe@acme.test"]


def test_bad_files_are_refused_clearly_and_nothing_is_sent(client, as_user, org):
    as_user(org.owner)
    latin1 = _upload(client, "email\nzoë@acme.test\n".encode("latin-1"))
    assert latin1.status_code == 422 and "not UTF-8" in latin1.get_data(as_text=True)
    huge = _upload(client, b"".join(b"p%d@acme.test\n" % n for n in range(10_000)))
    assert huge.status_code == 422 and "at most 500 rows" in huge.get_data(as_text=True)
    empty = post(client, URL, {"addresses": "", "role": "member", "action": "send"}, token_from=URL)
    assert empty.status_code == 422 and "at least one email address" in empty.get_data(as_text=True)
    assert _pending() == []


def test_a_member_may_not_open_bulk_invitations(client, as_user, org):
    as_user(org.member)
    assert client.get(URL).status_code == 403
