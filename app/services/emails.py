"""The emails the product sends, and how they leave the building.

Every message goes through the outbox: `queue_mail` writes an `OutboundEmail` row (body sealed)
and enqueues the `emails.send` job in one unit of work, so no SMTP call happens inside a web
request when a worker runs jobs, and a message that fails is retried with backoff, never lost,
and visible to platform admins (/admin/emails). `deliver` is what the job runs.

With `MAIL_SERVER` set, messages go out over SMTP (Flask-Mailman). Without it (the embedded
default of `make run`), each message is written to the log and to `instance/outbox/` as an
.eml file, so a new user can open an invitation link without any mail setup.
Links are built from `PUBLIC_URL`, never from the request's Host header.
"""

from __future__ import annotations

import logging
import math
import os
import re
import socket
import unicodedata
from contextlib import contextmanager
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale, gettext
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.extensions import db
from app.models import OutboundEmail, TenantInvitation, User
from app.models.types import utcnow
from app.services.errors import NotFound, ValidationError
from app.services.secret_box import seal, unseal
from app.services.transaction import unit_of_work

log = logging.getLogger(__name__)

# Tries before a message is marked failed: 30 s, 1, 2, 4 ... minutes apart, about 2 hours in all (app/jobs/emails.py).
MAX_ATTEMPTS = 9
WAITING = ("queued", "retrying")


def public_url(path: str) -> str:
    """An absolute link into the portal, from the configured public address."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + "/" + path.lstrip("/")


LINE_BREAKING = frozenset({"Cc", "Zl", "Zp"})  # control characters, line and paragraph separators


def header_safe(text: str) -> str:
    """One line for a mail header: line breaks and other control characters become spaces.

    Subjects carry names people typed (tenant, inviter); a CR/LF there made the mail library refuse
    the message (header injection), so the invitation was saved and never sent.
    """
    return " ".join("".join(" " if unicodedata.category(c) in LINE_BREAKING else c for c in text).split())


def queue_mail(to: str, subject: str, text_body: str, html_body: str | None = None, *, kind: str = "message",
               ref: str | None = None, tenant_id: str | None = None) -> OutboundEmail:
    """Put one message in the outbox and ask for its delivery; returns the row as it is after the commit.

    A waiting message with the same `ref` is cancelled: only the newest link about one thing goes out.
    With inline jobs the delivery has been tried by the time this returns (see `status`).
    """
    from app.jobs import enqueue

    with unit_of_work() as session:
        if ref:
            session.execute(update(OutboundEmail).where(OutboundEmail.ref == ref, OutboundEmail.status.in_(WAITING))
                            .values(status="cancelled", sealed_text=None, sealed_html=None)
                            .execution_options(synchronize_session=False))
        email = OutboundEmail(kind=kind, ref=ref, tenant_id=tenant_id, to_address=to, subject=header_safe(subject)[:255],
                              sealed_text=seal(text_body), sealed_html=seal(html_body) if html_body else None,
                              status="queued", attempts=0, max_attempts=MAX_ATTEMPTS, created_at=utcnow())
        session.add(email)
        session.flush()
        enqueue("emails.send", email_id=email.id)
    db.session.refresh(email)
    return email


def send_mail(to: str, subject: str, text_body: str, html_body: str | None = None, **options) -> bool:
    """Queue one message (see `queue_mail`); True if it is sent or waiting for its first try."""
    return accepted(queue_mail(to, subject, text_body, html_body, **options))


def accepted(email: OutboundEmail) -> bool:
    """Sent, or waiting for its first try: what the portal reports as "sent"."""
    return email.status in ("sent", "queued")


def cancel_waiting(ref: str) -> None:
    """Cancel messages about `ref` not sent yet (an invitation revoked): part of the caller's unit of work."""
    db.session.execute(update(OutboundEmail).where(OutboundEmail.ref == ref, OutboundEmail.status.in_(WAITING))
                       .values(status="cancelled", sealed_text=None, sealed_html=None)
                       .execution_options(synchronize_session=False))


def deliver(email_id: int) -> None:
    """Try to hand message `email_id` to the mail server (or the log and outbox directory).

    Idempotent: a message already sent or cancelled is left alone. A failed try is recorded on
    the row (attempts, last error) and re-raised, so the job is retried with backoff.
    """
    email = db.session.get(OutboundEmail, email_id)
    if email is None or email.status not in WAITING:
        return
    email.attempts += 1
    email.last_attempt_at = utcnow()
    try:
        text_body = unseal(email.sealed_text or "")
        html_body = unseal(email.sealed_html) if email.sealed_html else None
        via = _transmit(email.to_address, email.subject, text_body, html_body, email.tenant_id)
    except Exception as exc:
        email.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
        email.status = "failed" if email.attempts >= email.max_attempts else "retrying"
        db.session.commit()
        log.warning("email %s to %s (%s): attempt %d failed: %s", email.id, email.to_address, email.kind,
                    email.attempts, email.last_error, extra={"tenant_id": email.tenant_id})
        raise
    email.status, email.sent_at, email.last_error = "sent", utcnow(), None
    email.sent_by = f"{socket.gethostname()}:{os.getpid()}"[:128]
    email.sealed_text = email.sealed_html = None  # the link inside is a secret: keep it no longer than needed
    db.session.commit()
    log.info("email %s to %s sent (%s) via %s", email.id, email.to_address, email.kind, via,
             extra={"tenant_id": email.tenant_id})


def _transmit(to: str, subject: str, text_body: str, html_body: str | None, tenant_id: str | None) -> str:
    app = current_app._get_current_object()
    sender = app.config["MAIL_DEFAULT_SENDER"]
    if not app.config.get("MAIL_SERVER"):
        return _write_to_outbox(to, sender, subject, text_body, html_body, tenant_id)
    from flask_mailman import EmailMultiAlternatives

    from app.extensions import mail

    # Settings read now, not when the app started, so a fixed MAIL_SERVER applies to the next retry.
    connection = mail.get_connection(
        host=app.config["MAIL_SERVER"], port=app.config["MAIL_PORT"], username=app.config.get("MAIL_USERNAME"),
        password=app.config.get("MAIL_PASSWORD"), use_tls=app.config.get("MAIL_USE_TLS"),
        use_ssl=app.config.get("MAIL_USE_SSL"), timeout=app.config.get("MAIL_TIMEOUT"))
    message = EmailMultiAlternatives(subject=subject, body=text_body, from_email=sender, to=[to],
                                     connection=connection)
    if html_body:
        message.attach_alternative(html_body, "text/html")
    message.send()
    return f"smtp {app.config['MAIL_SERVER']}:{app.config['MAIL_PORT']}"


def _write_to_outbox(to: str, sender: str, subject: str, text_body: str, html_body: str | None,
                     tenant_id: str | None) -> str:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(text_body)
    if html_body:
        message.add_alternative(html_body, subtype="html")
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    # A valid address may hold "/" and other characters a file name must not (a/b@x.test).
    safe_to = re.sub(r"[^A-Za-z0-9._+-]", "_", to.replace("@", "_at_"))
    path = outbox / f"{stamp}-{safe_to}.eml"
    path.write_bytes(bytes(message))
    log.info("email to %s: %s (written to %s)\n%s", to, subject, path, text_body, extra={"tenant_id": tenant_id})
    return f"outbox {path}"


def recipient_language(email: str, tenant=None) -> str:
    """The language to write to `email` in: the account's own choice, else the organisation's (an
    invitee without an account yet reads the inviting organisation's language), else the language of
    the page that caused the email, else English."""
    from app.services.languages import SUPPORTED_LOCALES

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is not None and user.locale in SUPPORTED_LOCALES:
        return user.locale
    if tenant is not None and tenant.config is not None and tenant.config.locale in SUPPORTED_LOCALES:
        return tenant.config.locale
    if has_request_context():
        from flask_babel import get_locale

        from app.services.languages import code_of

        return code_of(get_locale())
    return "en"


@contextmanager
def speaking(language: str):
    """Render (subjects, bodies, dates) in `language`, whatever the current request speaks."""
    from app.services.languages import BABEL_LOCALES

    with force_locale(BABEL_LOCALES.get(language, "en")):
        yield


def send_invitation(invitation: TenantInvitation, token: str) -> bool:
    """Email the invitation link; True if it is sent or queued (False: its first try failed, retries follow)."""
    link = public_url(f"/invitations/{token}")
    tenant = invitation.tenant
    days_valid = max(1, math.ceil((invitation.expires_at - utcnow()).total_seconds() / 86400))
    with speaking(recipient_language(invitation.email, tenant)):
        inviter = invitation.invited_by.display_name if invitation.invited_by else _("An administrator")
        context = {"invitation": invitation, "tenant": tenant, "link": link, "inviter": inviter,
                   "days_valid": days_valid}
        subject = _("%(inviter)s invited you to join %(organisation)s", inviter=inviter, organisation=tenant.name)
        text, html = render_template("email/invitation.txt", **context), render_template("email/invitation.html",
                                                                                           **context)
    return send_mail(invitation.email, subject, text, html, kind="invitation", ref=f"invitation:{invitation.id}",
                     tenant_id=tenant.id)


def send_password_reset(user: User, token: str) -> bool:
    """Email a password-reset link; True if it is sent or queued."""
    link = public_url(f"/reset-password/{token}")
    context = {"user": user, "link": link}
    with speaking(recipient_language(user.email)):
        subject = _("Reset your password")
        text, html = (render_template("email/password_reset.txt", **context),
                      render_template("email/password_reset.html", **context))
    return send_mail(user.email, subject, text, html, kind="password_reset", ref=f"password_reset:{user.id}")


def send_email_verification(user: User, token: str) -> bool:
    """Email the link that proves `user` owns their address; True if it is sent or queued."""
    link = public_url(f"/verify-email/{token}")
    context = {"user": user, "link": link}
    with speaking(recipient_language(user.email)):
        subject = _("Confirm your email address")
        text, html = (render_template("email/verify_email.txt", **context),
                      render_template("email/verify_email.html", **context))
    return send_mail(user.email, subject, text, html, kind="email_verification", ref=f"email_verification:{user.id}")


def send_sign_up_attempt(user: User) -> bool:
    """Tell the owner of an address that someone tried to sign up with it (the sign-up page answers
    as for a new address, so it cannot be used to find out who has an account)."""
    context = {"user": user, "login": public_url(f"/login?email={user.email}"),
               "reset": public_url("/forgot-password")}
    with speaking(recipient_language(user.email)):
        subject = _("You already have an account")
        text, html = (render_template("email/sign_up_attempt.txt", **context),
                      render_template("email/sign_up_attempt.html", **context))
    return send_mail(user.email, subject, text, html, kind="sign_up_attempt", ref=f"sign_up_attempt:{user.id}")


def list_emails(status: str | None = None, page: int = 1, per_page: int = 25):
    """The outbox, newest first, optionally of one status (for the operations page)."""
    from app.services.pagination import paginate

    stmt = select(OutboundEmail)
    if status:
        stmt = stmt.where(OutboundEmail.status == status)
    return paginate(stmt.order_by(OutboundEmail.id.desc()), page, per_page)


def status_counts() -> dict[str, int]:
    """How many messages are in each status."""
    from sqlalchemy import func

    rows = db.session.execute(select(OutboundEmail.status, func.count()).group_by(OutboundEmail.status))
    return {status: count for status, count in rows}


def retry(email_id: int, actor) -> OutboundEmail:
    """Try a failed or waiting message again now, with a fresh round of retries (platform admins)."""
    from app.jobs import enqueue
    from app.services.audit import record

    with unit_of_work():
        email = db.session.get(OutboundEmail, email_id)
        if email is None:
            raise NotFound(gettext("Email not found."), code="email_not_found")
        if email.status not in ("failed", "retrying", "queued"):
            raise ValidationError(gettext("This email is %(status)s; there is nothing to retry.", status=email.status), field="email")
        email.status = "queued"
        email.max_attempts = email.attempts + MAX_ATTEMPTS
        enqueue("emails.send", email_id=email.id)
        record("email.retried", actor, tenant_id=email.tenant_id, target_type="email", target_id=email.id,
               details={"to": email.to_address, "kind": email.kind})
    db.session.refresh(email)
    return email


def send_two_factor_reset(user: User, admin_label: str) -> bool:
    """Tell a user that a platform admin turned their two-factor authentication off."""
    context = {"user": user, "admin": admin_label, "link": public_url("/account/two-factor")}
    with speaking(recipient_language(user.email)):
        subject = _("Two-factor authentication was turned off on your account")
        text, html = (render_template("email/two_factor_reset.txt", **context),
                      render_template("email/two_factor_reset.html", **context))
    return send_mail(user.email, subject, text, html, kind="two_factor_reset")
