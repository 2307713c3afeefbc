"""The email outbox: every message the product sends, kept until it is delivered (and after, without its body)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

EMAIL_STATUSES = ("queued", "retrying", "sent", "failed", "cancelled")


class OutboundEmail(db.Model):
    """One message. The body is sealed (encrypted, services.secret_box) at rest, since links in it are secrets, and
    wiped once sent; recipient, subject, attempts and the last error stay for the operations page.

    `tenant_id` is not a foreign key: the record of what was sent outlives a purged tenant.
    `ref` names what the message is about ("invitation:42"): a newer message for the same thing
    cancels an older one still waiting, so a resent invitation never delivers a dead link later.
    """

    __tablename__ = "outbound_emails"
    __table_args__ = (
        CheckConstraint(f"status IN {EMAIL_STATUSES!r}", name="status_valid"),
        Index("ix_outbound_emails_status_created", "status", "created_at"),
        Index("ix_outbound_emails_ref", "ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(32), default="message")
    ref: Mapped[str | None] = mapped_column(String(64))
    tenant_id: Mapped[str | None] = mapped_column(String(32))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    sealed_text: Mapped[str | None] = mapped_column(Text)
    sealed_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=1)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # host:pid of the process that handed it to the mail server (the web process or a worker).
    sent_by: Mapped[str | None] = mapped_column(String(128))
