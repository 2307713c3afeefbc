"""Bulk invitations: parsing, the preview's outcome per row, and sending in one transaction."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import AuditEvent, TenantInvitation
from app.services import bulk_invitations as bulk
from app.services.audit import Actor
from app.services.authority import Authority
from app.services.errors import ValidationError
from tests import factories as f


def _owner(tenant):
    return Authority.member(Actor.system(), tenant, "owner")


def _invitations(tenant) -> list[str]:
    return sorted(i.email for i in db.session.query(TenantInvitation).filter_by(tenant_id=tenant.id, status="pending"))


def test_preview_names_every_outcome_and_writes_nothing(app):
    tenant = f.tenant(plan="free")  # 5 seats; the owner holds one
    f.member(tenant, who=f.user("member@example.test"))
    f.invitation(tenant, "invited@example.test")
    text = ("email,role\nnew1@example.test,admin\nmember@example.test,member\ninvited@example.test\n"
            "not-an-address,member\nnew2@example.test,emperor\nNEW1@example.test\n"
            "new3@example.test\nnew4@example.test\n")
    result = bulk.preview(tenant, bulk.parse(text), _owner(tenant))
    outcomes = [(row.email, row.outcome) for row in result.rows]
    assert outcomes == [("new1@example.test", bulk.NEW), ("member@example.test", bulk.MEMBER),
                        ("invited@example.test", bulk.INVITED), ("not-an-address", bulk.INVALID_EMAIL),
                        ("new2@example.test", bulk.INVALID_ROLE), ("new1@example.test", bulk.DUPLICATE),
                        ("new3@example.test", bulk.NEW), ("new4@example.test", bulk.OVER_QUOTA)]
    assert all(row.message for row in result.rows if row.outcome != bulk.NEW)
    assert _invitations(tenant) == ["invited@example.test"]


def test_send_invites_the_rows_that_fit_in_one_go_and_emails_them(app, mailbox):
    tenant = f.tenant(plan="free")
    rows = bulk.parse("a@example.test, b@example.test; c@example.test\nd@example.test\ne@example.test\n")
    result = bulk.send(tenant, rows, _owner(tenant))
    assert [row.outcome for row in result.rows] == [bulk.SENT] * 4 + [bulk.OVER_QUOTA]
    assert result.counts[bulk.SENT] == 4
    assert _invitations(tenant) == ["a@example.test", "b@example.test", "c@example.test", "d@example.test"]
    for address in _invitations(tenant):
        mailbox.wait_for(address)
    events = [e.action for e in db.session.query(AuditEvent).filter_by(tenant_id=tenant.id)]
    assert events.count("invitation.created") == 4 and events.count("invitation.bulk_sent") == 1


def test_an_admin_cannot_invite_owners_in_bulk(app):
    tenant = f.tenant(plan="free")
    admin = Authority.member(Actor.system(), tenant, "admin")
    result = bulk.send(tenant, bulk.parse("boss@example.test,owner\nok@example.test,member"), admin)
    assert [row.outcome for row in result.rows] == [bulk.NOT_ALLOWED, bulk.SENT]


@pytest.mark.parametrize("text, message", [
    ("", "at least one"),
    ("   \n\n", "at least one"),
    ("email,role\n" + "".join(f"p{n}@example.test,member\n" for n in range(10_000)), "500"),
    ("email,role\n" + "".join(f"p{n}@example.test,member\n" for n in range(501)), "500"),
])
def test_bad_input_is_refused_whole(app, text, message):
    tenant = f.tenant(plan="free")
    with pytest.raises(ValidationError) as exc:
        bulk.send(tenant, bulk.parse(text), _owner(tenant))
    assert message in exc.value.message
    assert _invitations(tenant) == []


def test_exactly_500_rows_are_accepted():
    rows = bulk.parse("".join(f"p{n}@example.test\n" for n in range(500)))
    assert len(rows) == 500


def test_a_file_that_is_not_utf8_is_refused_clearly():
    with pytest.raises(ValidationError) as exc:
        bulk.decode("café@example.test,member\n".encode("latin-1"))
    assert "UTF-8" in exc.value.message and exc.value.field == "file"
    assert bulk.decode("\ufeffemail,role\nzoë@example.test,admin\n".encode()) .startswith("email")


@pytest.mark.parametrize("text", ["ann@x.test\rbob@x.test", "ann@x.test\r\nbob@x.test\r", "ann@x.test\nbob@x.test"])
def test_every_kind_of_line_ending_separates_rows(app, text):
    assert [row.email for row in bulk.parse(text)] == ["ann@x.test", "bob@x.test"]

