"""The emails the product sends, and how they leave the building.

With `MAIL_SERVER` set, messages go out over SMTP (Flask-Mailman). Without it (the embedded
default of `make run`), each message is written to the log and to `instance/outbox/` as an
.eml file, so a new user can open an invitation link without any mail setup.
Links are built from `PUBLIC_URL`, never from the request's Host header.
"""

from __future__ import annotations

import logging
import math
import re
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from flask import current_app, render_template

from app.models import TenantInvitation, User
from app.models.types import utcnow

log = logging.getLogger(__name__)


def public_url(path: str) -> str:
    """An absolute link into the portal, from the configured public address."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + "/" + path.lstrip("/")


def send_mail(to: str, subject: str, text_body: str, html_body: str | None = None) -> bool:
    """Send one message; return False (and log why) if delivery failed, so callers can say so."""
    app = current_app._get_current_object()
    sender = app.config["MAIL_DEFAULT_SENDER"]
    if not app.config.get("MAIL_SERVER"):
        return _write_to_outbox(to, sender, subject, text_body, html_body)
    from flask_mailman import EmailMultiAlternatives

    message = EmailMultiAlternatives(subject=subject, body=text_body, from_email=sender, to=[to])
    if html_body:
        message.attach_alternative(html_body, "text/html")
    try:
        message.send()
    except Exception:  # SMTP failures of every kind: report, never crash the request
        log.exception("could not send %r to %s", subject, to)
        return False
    return True


def _write_to_outbox(to: str, sender: str, subject: str, text_body: str, html_body: str | None) -> bool:
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
    log.info("email to %s: %s (written to %s)\n%s", to, subject, path, text_body)
    return True


def send_invitation(invitation: TenantInvitation, token: str) -> bool:
    """Email the invitation link."""
    link = public_url(f"/invitations/{token}")
    tenant = invitation.tenant
    inviter = invitation.invited_by.display_name if invitation.invited_by else "An administrator"
    days_valid = max(1, math.ceil((invitation.expires_at - utcnow()).total_seconds() / 86400))
    context = {"invitation": invitation, "tenant": tenant, "link": link, "inviter": inviter, "days_valid": days_valid}
    subject = f"{inviter} invited you to join {tenant.name}"
    return send_mail(invitation.email, subject, render_template("email/invitation.txt", **context),
                     render_template("email/invitation.html", **context))


def send_password_reset(user: User, token: str) -> bool:
    """Email a password-reset link."""
    link = public_url(f"/reset-password/{token}")
    context = {"user": user, "link": link}
    return send_mail(user.email, "Reset your password", render_template("email/password_reset.txt", **context),
                     render_template("email/password_reset.html", **context))
