"""Signed-in browser sessions, kept server-side so a user can list and end them.

The cookie holds only a random token; this table holds its SHA-256, so a copy of the table
cannot be replayed as cookies. Deleting the row signs that browser out at its next request.
(With SESSION_STORE=redis the same records live in Redis instead; see services/session_store.py.)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class UserSession(db.Model):
    __tablename__ = "user_sessions"

    # A public handle (shown in the session list, used to end one); never the cookie's token.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # How the sign-in happened: password, oidc, saml, signup, password_reset, invitation, impersonation.
    method: Mapped[str] = mapped_column(String(20))
    # Whether a second factor was satisfied (a TOTP or recovery code, a remembered device, or SSO).
    mfa: Mapped[bool] = mapped_column(Boolean, default=False)
    # "Keep me signed in": a cookie that outlives the browser and a longer idle timeout.
    persistent: Mapped[bool] = mapped_column(Boolean, default=False)
    # The tenant a tenant-bound sign-in (SSO) came through; ended when the membership is.
    tenant_id: Mapped[str | None] = mapped_column(String(32))
    impersonator_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
