"""/admin/emails: platform admins see what failed and why, and retry it (others: tests/admin/test_permissions.py)."""

from __future__ import annotations

import socket

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, OutboundEmail
from tests import factories as f


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_admin_sees_a_failing_email_with_its_error_and_retries_it(app, server_app, admin_client, post, mailbox):
    server_app.config["MAIL_PORT"] = app.config["MAIL_PORT"] = _closed_port()
    f.invitation(f.tenant("acme", name="Acme"), "stuck@acme.test")
    email = db.session.scalar(select(OutboundEmail))

    html = admin_client.get("/admin/emails?status=retrying").get_data(as_text=True)
    assert "stuck@acme.test" in html and "invited you to join Acme" in html
    assert "Connection refused" in html or "ConnectionRefused" in html
    assert "Retry now" in html

    server_app.config["MAIL_PORT"] = mailbox.port
    response = post(f"/admin/emails/{email.id}/retry?status=retrying", follow=True)
    assert "The email to stuck@acme.test was sent." in response.get_data(as_text=True)
    mailbox.wait_for("stuck@acme.test")
    assert db.session.get(OutboundEmail, email.id).status == "sent"
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.target_type == "email")) == "email.retried"
    assert "Retry now" not in admin_client.get("/admin/emails").get_data(as_text=True)


def test_retry_needs_a_csrf_token(admin_client, app):
    f.invitation(f.tenant())
    email = db.session.scalar(select(OutboundEmail))
    admin_client.post(f"/admin/emails/{email.id}/retry")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "email.retried")) is None
