"""Names of closed sets (tenant statuses, isolation strategies, email kinds) as people read them, in
the reader's language. Pages, emails and audit sentences use these, so a status reads the same everywhere."""

from __future__ import annotations

from flask_babel import gettext


def status_label(status: str) -> str:
    """A tenant status as people read it ("past_due" -> "Past due" / "逾期未付")."""
    labels = {"trial": gettext("Trial"), "active": gettext("Active"), "suspended": gettext("Suspended"),
              "expired": gettext("Expired"), "deleted": gettext("Deleted"), "past_due": gettext("Past due"),
              "read_only": gettext("Read-only"), "pending_deletion": gettext("Pending deletion"),
              "purged": gettext("Purged")}
    return labels.get(status, status.replace("_", " ").capitalize())


def isolation_label(strategy: str) -> str:
    """Where a tenant's data lives ("row" -> "Row" / "共享表")."""
    labels = {"row": gettext("Row"), "schema": gettext("Schema"), "database": gettext("Database")}
    return labels.get(strategy, strategy)


def email_kind_label(kind: str | None) -> str:
    """What an outgoing email is ("password_reset" -> "Password reset")."""
    labels = {"invitation": gettext("Invitation"), "password_reset": gettext("Password reset"),
              "two_factor_reset": gettext("Two-factor reset"), "message": gettext("Message"),
              "billing": gettext("Billing"), "invoice": gettext("Invoice"), "dunning": gettext("Payment reminder")}
    return labels.get(kind or "", kind or "")
