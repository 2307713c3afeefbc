"""People who sign in: tenant members and platform admins."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import trigram
from app.models.types import UTCDateTime, utcnow


def normalize_email(email: str) -> str:
    """Emails are unique case-insensitively: we store and compare the lowercased, trimmed form."""
    return email.strip().lower()


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the person proved the address is theirs (an emailed link: sign-up verification, an
    # invitation, a password reset). None: unproven, so nobody may add the account to a tenant directly.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The tenant the user last worked in; login lands there.
    last_tenant_id: Mapped[str | None] = mapped_column(String(32))
    # Bumped on password change (and when disabled) so access tokens and reset links issued before
    # it stop working. Browser sessions are ended server-side (services/sessions.py).
    session_version: Mapped[int] = mapped_column(default=1)
    # Personal preferences (the account page); None: the tenant's, else the browser's / UTC.
    locale: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))

    def set_password(self, password: str) -> None:
        # scrypt, a memory-hard KDF. Tests lower its cost through PASSWORD_HASH_METHOD.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return not self.is_disabled

    def get_id(self) -> str:
        # Flask-Login's key; whether the browser is signed in is decided by its server-side session.
        return str(self.id)

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.email}>"


trigram.attach(User.__table__)
