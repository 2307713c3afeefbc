"""Support access approved by the customer: request, approve, use, expire, revoke, break glass (issue 17)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import SupportAccessGrant
from app.services import support_access
from tests.conftest import csrf_token
from tests.support_access.conftest import REASON, events, outbox

START = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def traveller(app, clock):
    """The clock stopped at START before anyone signs in (their sessions and CSRF tokens date from it)."""
    return clock(START)


def _request(admin_browser, world, level="read_only", minutes=60):
    tenant = world["tenant"]
    response = admin_browser.post(f"/admin/tenants/{tenant.id}/support-access/request", **{
        "support-reason": REASON, "support-duration_minutes": str(minutes), "support-level": level})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return db.session.query(SupportAccessGrant).order_by(SupportAccessGrant.id.desc()).first()


def test_request_emails_the_owners_and_shows_a_notice_in_the_portal(admin_browser, owner_browser, member_browser, world):
    grant = _request(admin_browser, world)
    assert grant.status == "requested" and grant.admin_user_id == world["admin"].id
    (mail,) = outbox("support_access.requested")
    assert mail.to_address == "olive@acme.test" and mail.tenant_id == world["tenant"].id
    page = owner_browser.get("/t/acme/").get_data(as_text=True)
    assert 'data-testid="support-notice"' in page and "1 request waiting" in page
    # Only owners answer: an admin of the organisation sees no notice and may not open the page.
    assert 'data-testid="support-notice"' not in member_browser.get("/t/acme/").get_data(as_text=True)
    assert member_browser.get("/t/acme/settings/support-access").status_code == 403
    settings = owner_browser.get("/t/acme/settings/support-access").get_data(as_text=True)
    assert REASON in settings and "root@platform.test" in settings


def test_approved_access_is_used_with_the_banner_audited_with_both_people_and_ends_at_expiry(
        traveller, admin_browser, owner_browser, world):
    tenant, owner, admin = world["tenant"], world["owner"], world["admin"]
    grant = _request(admin_browser, world, level="full", minutes=60)
    assert owner_browser.post(f"/t/acme/settings/support-access/{grant.id}/approve").status_code == 302
    db.session.refresh(grant)
    assert grant.status == "approved" and grant.expires_at == START + timedelta(minutes=60)

    opened = admin_browser.open_grant(tenant, grant)
    assert opened.headers["Location"].endswith("/t/acme/")
    page = admin_browser.get("/t/acme/").get_data(as_text=True)
    assert "You are viewing as olive@acme.test" in page and f"Reason: {REASON}" in page
    assert 'data-testid="support-banner"' in page and "Full access" in page
    # A change made meanwhile names the owner and the admin.
    admin_browser.post("/t/acme/invitations", email="newbie@acme.test", role="member")
    (invited,) = events(tenant.id, "invitation.created")
    assert invited.actor_user_id == owner.id and invited.impersonator_user_id == admin.id

    traveller.shift(timedelta(minutes=61))
    expired = admin_browser.get("/t/acme/members")
    assert expired.status_code == 302 and expired.headers["Location"].endswith(f"/admin/tenants/{tenant.id}")
    with admin_browser.client.session_transaction() as session:
        assert "impersonator_id" not in session and session["_user_id"] == str(admin.id)
    db.session.refresh(grant)
    assert grant.status == "expired"
    actions = [e.action for e in events(tenant.id)]
    for step in ("support_access.requested", "support_access.approved", "impersonation.started",
                 "invitation.created", "support_access.expired", "impersonation.ended"):
        assert step in actions, step
    # The tenant's own audit log shows every step to its owner.
    log = owner_browser.get("/t/acme/audit?per_page=100").get_data(as_text=True)
    assert "Support access requested" in log and "Support access approved" in log and "Support access expired" in log


def test_read_only_access_refuses_every_write(admin_browser, owner_browser, world):
    tenant = world["tenant"]
    grant = _request(admin_browser, world, level="read_only")
    owner_browser.post(f"/t/acme/settings/support-access/{grant.id}/approve")
    admin_browser.open_grant(tenant, grant)
    assert admin_browser.get("/t/acme/members").status_code == 200
    refused = admin_browser.post("/t/acme/settings", name="Changed")
    assert refused.status_code == 403
    assert "read-only" in refused.get_data(as_text=True)
    assert admin_browser.post("/t/acme/invitations", email="x@acme.test", role="member").status_code == 403
    db.session.refresh(tenant)
    assert tenant.name == "Acme"


def test_revoke_ends_the_session_at_once(admin_browser, owner_browser, world):
    tenant = world["tenant"]
    grant = _request(admin_browser, world)
    owner_browser.post(f"/t/acme/settings/support-access/{grant.id}/approve")
    admin_browser.open_grant(tenant, grant)
    assert admin_browser.get("/t/acme/").status_code == 200
    owner_browser.post(f"/t/acme/settings/support-access/{grant.id}/revoke")
    ended = admin_browser.get("/t/acme/")
    assert ended.status_code == 302 and "/admin/tenants/" in ended.headers["Location"]
    (stopped,) = events(tenant.id, "impersonation.ended")
    assert stopped.details["reason"] == "revoked"
    admin_browser.token = csrf_token(admin_browser.client, "/admin/")
    assert admin_browser.post(f"/admin/tenants/{tenant.id}/support-access/{grant.id}/open").status_code == 302
    with admin_browser.client.session_transaction() as session:
        assert "impersonator_id" not in session


def test_deny_leaves_nothing_to_open(admin_browser, owner_browser, world):
    tenant = world["tenant"]
    grant = _request(admin_browser, world)
    owner_browser.post(f"/t/acme/settings/support-access/{grant.id}/deny")
    db.session.refresh(grant)
    assert grant.status == "denied"
    admin_browser.post(f"/admin/tenants/{tenant.id}/support-access/{grant.id}/open")
    with admin_browser.client.session_transaction() as session:
        assert "impersonator_id" not in session
    assert [e.action for e in events(tenant.id, "support_access.")][-1] == "support_access.denied"


def test_the_admin_cannot_approve_their_own_request_while_viewing_as_the_owner(admin_browser, owner_browser, world):
    tenant = world["tenant"]
    standing = owner_browser.post("/t/acme/settings/support-access", reason="Migration week", level="full", days="7")
    assert standing.status_code == 302
    grant = support_access.active_grant(tenant, world["admin"])
    assert grant is not None and grant.standing
    pending = _request(admin_browser, world, level="full")
    admin_browser.open_grant(tenant, grant)
    refused = admin_browser.post(f"/t/acme/settings/support-access/{pending.id}/approve")
    assert refused.status_code == 302
    db.session.refresh(pending)
    assert pending.status == "requested"


def test_break_glass_needs_reason_and_slug_notifies_owners_and_is_flagged(admin_browser, world):
    tenant = world["tenant"]
    missing = admin_browser.post(f"/admin/tenants/{tenant.id}/support-access/break-glass",
                                 **{"glass-reason": "Outage", "glass-confirm_slug": "nope"})
    assert missing.status_code == 422 and "Type acme to confirm" in missing.get_data(as_text=True)
    no_reason = admin_browser.post(f"/admin/tenants/{tenant.id}/support-access/break-glass",
                                   **{"glass-reason": " ", "glass-confirm_slug": "acme"})
    assert no_reason.status_code == 422
    assert outbox("support_access.break_glass") == []

    taken = admin_browser.post(f"/admin/tenants/{tenant.id}/support-access/break-glass",
                               **{"glass-reason": "Outage: data loss reported", "glass-confirm_slug": "acme"})
    assert taken.headers["Location"].endswith("/t/acme/")
    admin_browser.token = csrf_token(admin_browser.client, "/t/acme/")
    (mail,) = outbox("support_access.break_glass")
    assert mail.to_address == "olive@acme.test"
    (event,) = events(tenant.id, "support_access.break_glass")
    assert event.actor_user_id == world["admin"].id
    assert "You are viewing as" in admin_browser.get("/t/acme/").get_data(as_text=True)
    admin_browser.post("/admin/impersonation/stop")
    overview = admin_browser.get("/admin/").get_data(as_text=True)
    assert 'data-testid="break-glass-flag"' in overview and "Acme" in overview


def test_another_tenants_grant_is_not_found(owner_browser, admin_browser, world):
    other = world["other"]
    grant = support_access.request_access(other, world["admin"], reason=REASON, duration_minutes=60, level="full")
    assert owner_browser.post(f"/t/acme/settings/support-access/{grant.id}/approve").status_code == 404
    assert owner_browser.get("/t/globex/settings/support-access").status_code == 404


def test_requests_are_at_most_a_day_and_lapse_unanswered(traveller, world):
    tenant, admin = world["tenant"], world["admin"]
    for minutes in (0, 24 * 60 + 1):
        try:
            support_access.request_access(tenant, admin, reason=REASON, duration_minutes=minutes, level="full")
        except support_access.ValidationError as exc:
            assert exc.field == "duration_minutes"
        else:
            raise AssertionError(minutes)
    grant = support_access.request_access(tenant, admin, reason=REASON, duration_minutes=24 * 60, level="full")
    traveller.shift(timedelta(hours=25))
    assert support_access.effective_status(grant) == "expired"
    assert support_access.expire_due() == 1 and support_access.expire_due() == 0
    db.session.refresh(grant)
    assert grant.status == "expired"


def test_the_expiry_job_writes_expired_into_the_tenants_log(traveller, world):
    from app.jobs import enqueue
    from app.services.audit import Actor
    from app.services.authority import Authority

    tenant, owner = world["tenant"], world["owner"]
    grant = support_access.request_access(tenant, world["admin"], reason=REASON, duration_minutes=30, level="full")
    support_access.approve(tenant, grant.id, Authority.member(Actor.for_user(owner), tenant, "owner"))
    traveller.shift(timedelta(minutes=29))
    enqueue("support_access.expire")
    db.session.commit()
    assert events(tenant.id, "support_access.expired") == []
    traveller.shift(timedelta(minutes=1))
    enqueue("support_access.expire")
    db.session.commit()
    (expired,) = events(tenant.id, "support_access.expired")
    assert expired.actor_label == "system" and expired.details["grant"] == grant.id
    assert support_access.active_grant(tenant, world["admin"]) is None


def test_a_member_below_owner_gets_403_on_every_support_access_action(admin_browser, member_browser, world):
    grant = _request(admin_browser, world)
    for path in ("/t/acme/settings/support-access", f"/t/acme/settings/support-access/{grant.id}/approve",
                 f"/t/acme/settings/support-access/{grant.id}/deny", f"/t/acme/settings/support-access/{grant.id}/revoke"):
        response = member_browser.get(path) if path.endswith("support-access") else member_browser.post(path)
        assert response.status_code == 403, path
    assert member_browser.post("/t/acme/settings/support-access", reason="x", level="full", days="7").status_code == 403
    db.session.refresh(grant)
    assert grant.status == "requested"


def test_a_grant_for_one_admin_does_not_open_for_another(admin_browser, owner_browser, server_app, world):
    from tests import factories as f
    from tests.support_access.conftest import Browser

    tenant = world["tenant"]
    grant = _request(admin_browser, world)
    owner_browser.post(f"/t/acme/settings/support-access/{grant.id}/approve")
    colleague = Browser(server_app.test_client(), f.user("ops@platform.test", admin=True), "/admin/")
    colleague.post(f"/admin/tenants/{tenant.id}/support-access/{grant.id}/open")
    with colleague.client.session_transaction() as session:
        assert "impersonator_id" not in session
    assert support_access.active_grant(tenant, world["admin"]) == grant


def test_view_as_owner_is_never_silent(admin_browser, owner_browser, world):
    """Without an approved grant, "View as owner" is break-glass (owners emailed, flagged); with one,
    it uses the grant (its level holds) and alarms nobody."""
    tenant = world["tenant"]
    viewed = admin_browser.post(f"/admin/tenants/{tenant.id}/impersonate", reason=REASON)
    assert viewed.headers["Location"].endswith("/t/acme/")
    assert [m.to_address for m in outbox("support_access.break_glass")] == ["olive@acme.test"]
    (glass,) = events(tenant.id, "support_access.break_glass")
    admin_browser.token = csrf_token(admin_browser.client, "/t/acme/")
    admin_browser.post("/admin/impersonation/stop")
    admin_browser.token = csrf_token(admin_browser.client, "/admin/")
    owner_browser.post(f"/t/acme/settings/support-access/{glass.target_id}/revoke")

    grant = _request(admin_browser, world, level="read_only")
    owner_browser.post(f"/t/acme/settings/support-access/{grant.id}/approve")
    admin_browser.post(f"/admin/tenants/{tenant.id}/impersonate", reason=REASON)
    with admin_browser.client.session_transaction() as session:
        assert session["support_grant_id"] == grant.id and session["support_level"] == "read_only"
    assert len(outbox("support_access.break_glass")) == 1
