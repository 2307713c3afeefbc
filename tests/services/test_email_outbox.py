"""Every email leaves through the outbox: sealed at rest, retried with backoff, never lost."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs.sweep import sweep
from app.models import Job, OutboundEmail
from app.services import emails, invitations
from app.services.audit import Actor
from app.services.authority import Authority
from app.services.secret_box import unseal
from tests import factories as f
from tests.mailbox import first_link


def _closed_port() -> int:
    """A port nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _outbox() -> list[OutboundEmail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)))


def test_an_invitation_email_is_delivered_by_its_job_and_its_body_is_wiped(app, mailbox):
    tenant = f.tenant("acme", name="Acme")
    _invitation, token = f.invitation(tenant, "new@acme.test")
    message = mailbox.wait_for("new@acme.test")
    assert first_link(message, "/invitations/") == f"http://portal.test/invitations/{token}"
    [email] = _outbox()
    assert (email.status, email.attempts, email.kind, email.tenant_id) == ("sent", 1, "invitation", tenant.id)
    assert email.sent_by == f"{socket.gethostname()}:{os.getpid()}"  # inline: this process sent it
    assert email.sealed_text is None and email.sealed_html is None
    assert db.session.scalar(select(Job.status).where(Job.name == "emails.send")) == "done"


def test_a_failed_email_is_retried_with_backoff_until_the_mail_server_answers(app, mailbox, clock):
    traveller = clock(datetime(2026, 2, 28, 23, 59, 0, tzinfo=UTC))
    app.config["MAIL_PORT"] = _closed_port()
    tenant = f.tenant("acme", name="Acme")
    sent = invitations.invite(tenant, "late@acme.test", "member", Authority.system())
    assert sent.email_sent is False  # the invitation exists; its email is waiting for a retry

    [email] = _outbox()
    assert (email.status, email.attempts) == ("retrying", 1)
    assert "Connection refused" in email.last_error or "ConnectionRefused" in email.last_error
    assert sent.token not in email.sealed_text  # the link is sealed at rest
    assert sent.token in unseal(email.sealed_text)

    traveller.shift(timedelta(seconds=30))
    sweep()  # still down: second attempt, next one a minute later
    assert (_outbox()[0].status, _outbox()[0].attempts) == ("retrying", 2)
    job = db.session.scalar(select(Job).where(Job.name == "emails.send"))
    assert job.run_after == datetime(2026, 2, 28, 23, 59, 30, tzinfo=UTC) + timedelta(seconds=60)

    app.config["MAIL_PORT"] = mailbox.port  # the mail server is back
    traveller.shift(timedelta(seconds=60))
    sweep()
    message = mailbox.wait_for("late@acme.test")
    assert first_link(message, "/invitations/").endswith(sent.token)
    email = _outbox()[0]
    assert (email.status, email.attempts, email.last_error) == ("sent", 3, None)


def test_an_email_that_never_gets_through_is_marked_failed_and_kept(app, mailbox, clock):
    traveller = clock(datetime(2026, 12, 31, 22, 0, tzinfo=UTC))
    app.config["MAIL_PORT"] = _closed_port()
    user = f.user("forgetful@x.test")
    from app.services import accounts

    assert accounts.request_password_reset(user.email) is False
    for _ in range(emails.MAX_ATTEMPTS - 1):
        job = db.session.scalar(select(Job).where(Job.name == "emails.send"))
        traveller.move_to(job.run_after)
        sweep()
    [email] = _outbox()
    assert (email.status, email.attempts) == ("failed", emails.MAX_ATTEMPTS)
    assert email.sealed_text is not None  # kept, so an admin can retry it once the server is fixed

    app.config["MAIL_PORT"] = mailbox.port
    emails.retry(email.id, Actor.system())
    assert "/reset-password/" in first_link(mailbox.wait_for("forgetful@x.test"))
    assert _outbox()[0].status == "sent"


def test_resending_an_invitation_cancels_the_waiting_email_with_the_dead_link(app, mailbox):
    app.config["MAIL_PORT"] = _closed_port()
    tenant = f.tenant("acme", name="Acme")
    first = invitations.invite(tenant, "new@acme.test", "member", Authority.system())
    app.config["MAIL_PORT"] = mailbox.port
    second = invitations.resend(tenant, first.invitation.id, Actor.system())
    assert second.email_sent is True
    old, new = _outbox()
    assert (old.status, old.sealed_text) == ("cancelled", None)
    assert new.status == "sent"
    assert first_link(mailbox.wait_for("new@acme.test")).endswith(second.token)


def test_revoking_an_invitation_cancels_its_waiting_email(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_closed_port())
    tenant = f.tenant("acme", name="Acme")
    sent = invitations.invite(tenant, "new@acme.test", "member", Authority.system())
    invitations.revoke(tenant, sent.invitation.id, Actor.system())
    assert [e.status for e in _outbox()] == ["cancelled"]
    sweep()
    assert [e.status for e in _outbox()] == ["cancelled"]


def test_only_waiting_or_failed_emails_can_be_retried(app, mailbox):
    f.invitation(f.tenant())
    [email] = _outbox()
    from app.services.errors import NotFound, ValidationError

    with pytest.raises(ValidationError, match="nothing to retry"):
        emails.retry(email.id, Actor.system())
    with pytest.raises(NotFound):
        emails.retry(999999, Actor.system())


def test_without_a_mail_server_the_email_reaches_the_outbox_directory(app, tmp_path):
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    f.invitation(f.tenant("acme", name="Acme"), "new@acme.test")
    [eml] = list(tmp_path.glob("*.eml"))
    assert "invited you to join Acme" in eml.read_text()
    assert _outbox()[0].status == "sent"
