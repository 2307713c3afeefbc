"""Bulk invitations: many addresses (pasted, or a CSV of `email,role`) previewed row by row, then
sent in one transaction for the rows that fit.

The rules for one invitation (address shape, roles, who may grant what, members, pending
invitations, seats) are the ones in `app.services.invitations`, `accounts` and `members`; this module
only parses the batch, asks those rules about each row, and counts seats across the batch.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask_babel import gettext

from app.models import Tenant, TenantInvitation
from app.models.enums import Role
from app.services import accounts, emails, invitations, quotas
from app.services.audit import record
from app.services.authority import Authority
from app.services.errors import AlreadyInvited, AlreadyMember, DomainError, ValidationError
from app.services.members import ensure_may_grant, validate_role
from app.services.transaction import lock_tenant, unit_of_work

MAX_ROWS = 500
# A 500-row CSV of long addresses stays far below this; a bigger upload is refused before parsing.
MAX_BYTES = 256 * 1024

NEW = "new"
SENT = "sent"
MEMBER = "already_member"
INVITED = "already_invited"
DUPLICATE = "duplicate"
INVALID_EMAIL = "invalid_email"
INVALID_ROLE = "invalid_role"
NOT_ALLOWED = "not_allowed"
OVER_QUOTA = "over_quota"
OUTCOMES = (NEW, SENT, MEMBER, INVITED, DUPLICATE, INVALID_EMAIL, INVALID_ROLE, NOT_ALLOWED, OVER_QUOTA)


@dataclass
class BulkRow:
    """One input row, and what happens (preview) or happened (send) to it."""

    line: int
    email: str
    role: str
    outcome: str = NEW
    message: str = ""
    invitation_id: int | None = None
    email_sent: bool | None = None

    def to_dict(self) -> dict:
        return {"line": self.line, "email": self.email, "role": self.role, "outcome": self.outcome,
                "message": self.message, "invitation_id": self.invitation_id, "email_sent": self.email_sent}


@dataclass
class BulkResult:
    rows: list[BulkRow]
    sent: bool
    counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"sent": self.sent, "counts": self.counts, "rows": [row.to_dict() for row in self.rows]}


def decode(data: bytes, field_name: str = "file") -> str:
    """An uploaded file's text: UTF-8 (with or without BOM) only, and not too large."""
    if len(data) > MAX_BYTES:
        raise ValidationError(gettext("The file is larger than %(size)s KB; send at most %(rows)s rows at a time.",
                                      size=MAX_BYTES // 1024, rows=MAX_ROWS), field=field_name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(gettext("The file is not UTF-8 text. Save it as \"CSV UTF-8\" and upload it again."),
                              field=field_name) from None


def parse(text: str | None, default_role: str = Role.MEMBER, field_name: str = "addresses") -> list[BulkRow]:
    """Rows from pasted addresses or CSV text: one `email[,role]` per line, a header line
    `email,role` allowed; a line of several addresses (commas, semicolons, spaces) is split.

    Refuses empty input and more than `MAX_ROWS` rows (nothing is sent then)."""
    text = text or ""
    if len(text) > MAX_BYTES:
        raise ValidationError(gettext("Send at most %(rows)s rows at a time.", rows=MAX_ROWS), field=field_name)
    # A lone carriage return ends a line too (old Mac files, some spreadsheets' CSV export).
    sample = text.replace("\r\n", "\n").replace("\r", "\n").replace(";", ",").replace("\t", ",")
    try:
        return _rows(sample, default_role, field_name)
    except csv.Error:
        raise ValidationError(gettext("This text cannot be read as CSV: check its quotes."), field=field_name) from None


def _rows(sample: str, default_role: str, field_name: str) -> list[BulkRow]:
    rows: list[BulkRow] = []
    for number, cells in enumerate(csv.reader(io.StringIO(sample)), start=1):
        cells = [cell.strip() for cell in cells if cell.strip()]
        if not cells:
            continue
        if number == 1 and cells[0].lower() == "email":
            continue  # the header
        if len(cells) == 1 and " " in cells[0]:
            cells = cells[0].split()
        if len(cells) >= 2 and all("@" in cell for cell in cells):
            rows.extend(BulkRow(number, cell, default_role) for cell in cells)
        else:
            rows.append(BulkRow(number, cells[0], cells[1] if len(cells) > 1 else default_role))
        if len(rows) > MAX_ROWS:
            raise ValidationError(gettext("Send at most %(rows)s rows at a time; this input has more.", rows=MAX_ROWS),
                                  field=field_name)
    if not rows:
        raise ValidationError(gettext("Enter at least one email address."), field=field_name)
    return rows


def _classify(tenant: Tenant, rows: list[BulkRow], authority: Authority) -> None:
    """Set each row's outcome with the single-invitation rules, then give seats to new rows in order."""
    seen: set[str] = set()
    for row in rows:
        try:
            row.email = accounts.clean_email(row.email)
        except ValidationError as exc:
            row.outcome, row.message = INVALID_EMAIL, exc.message
            continue
        try:
            row.role = validate_role(row.role)
        except ValidationError as exc:
            row.outcome, row.message = INVALID_ROLE, exc.message
            continue
        try:
            ensure_may_grant(authority, tenant, row.role)
        except DomainError as exc:
            row.outcome, row.message = NOT_ALLOWED, exc.message
            continue
        if row.email in seen:
            row.outcome, row.message = DUPLICATE, gettext("This address appears earlier in the list.")
            continue
        seen.add(row.email)
        try:
            invitations.ensure_invitable(_session(), tenant, row.email)
        except (AlreadyMember, AlreadyInvited) as exc:
            row.outcome, row.message = (MEMBER if isinstance(exc, AlreadyMember) else INVITED), exc.message
            continue
        row.outcome, row.message = NEW, ""
    limit = quotas.limits_for(tenant)["users"]
    if limit is None:
        return
    free = max(0, limit - quotas.seats_used(tenant.id))
    for row in rows:
        if row.outcome != NEW:
            continue
        if free > 0:
            free -= 1
        else:
            row.outcome = OVER_QUOTA
            row.message = gettext("The %(plan)s plan allows %(limit)s users; this row does not fit.",
                                  plan=tenant.plan.name, limit=limit)


def _session():
    from app.extensions import db

    return db.session


def _counts(rows: list[BulkRow]) -> dict[str, int]:
    counts = dict.fromkeys(OUTCOMES, 0)
    for row in rows:
        counts[row.outcome] += 1
    return counts


def preview(tenant: Tenant, rows: list[BulkRow], authority: Authority) -> BulkResult:
    """Each row's outcome if sent now; writes nothing."""
    _classify(tenant, rows, authority)
    return BulkResult(rows, sent=False, counts=_counts(rows))


def send(tenant: Tenant, rows: list[BulkRow], authority: Authority) -> BulkResult:
    """Invite every row that fits, in one transaction under the tenant lock (so the seats counted
    are the seats taken), with one summary audit event beside each invitation's own; the emails
    go out after the commit. Rows that do not fit keep their outcome and are not sent."""
    built: list[tuple[BulkRow, TenantInvitation, str]] = []
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        _classify(tenant, rows, authority)
        for row in rows:
            if row.outcome != NEW:
                continue
            invitation, token = invitations.build_invitation(session, tenant, row.email, row.role, authority)
            row.outcome, row.invitation_id = SENT, invitation.id
            built.append((row, invitation, token))
        if built:
            record("invitation.bulk_sent", authority, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
                   details={"sent": len(built), "rows": len(rows)})
    for row, invitation, token in built:
        row.email_sent = emails.send_invitation(invitation, token)
    return BulkResult(rows, sent=True, counts=_counts(rows))
