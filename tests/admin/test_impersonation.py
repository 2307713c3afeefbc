"""'View as owner': the admin sees the owner's portal, audited, time-limited, never another admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from app.models.types import utcnow
from app.services import impersonation
from app.services.errors import PermissionDenied
from tests import factories as f
from tests.conftest import csrf_token

REASON = "Ticket 4711: the owner cannot find the invite button"


@pytest.fixture
def acme():
    owner = f.user("olive@acme.test", name="Olive")
    return f.tenant("acme", owner=owner, plan="pro", status="active"), owner


def _events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_view_as_owner_opens_the_portal_with_the_banner(post, admin_client, admin_user, acme):
    tenant, owner = acme
    response = post(f"/admin/tenants/{tenant.id}/impersonate", reason=REASON)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/t/{tenant.slug}/")

    with admin_client.session_transaction() as session:
        assert session["impersonator_id"] == admin_user.id
        assert session["_user_id"] == str(owner.id)
        assert "impersonation_started" in session
    html = admin_client.get(f"/t/{tenant.slug}/").get_data(as_text=True)
    assert "You are viewing as olive@acme.test" in html
    assert "Return to admin" in html
    # While viewing as the owner the console is closed: the owner is no platform admin.
    assert admin_client.get("/admin/").status_code == 403

    (started,) = _events("impersonation.started")
    assert started.tenant_id == tenant.id and started.actor_user_id == admin_user.id
    assert started.details["owner"] == "olive@acme.test"
    assert started.details["reason"] == REASON
    # The reason stays in view for the whole visit.
    assert f"Reason: {REASON}" in html


def test_view_as_owner_without_a_reason_is_refused_and_says_why(post, admin_client, acme):
    tenant, _owner = acme
    response = post(f"/admin/tenants/{tenant.id}/impersonate", reason="   ")
    assert response.status_code == 422
    assert "Say why you are viewing this tenant as its owner" in response.get_data(as_text=True)
    with admin_client.session_transaction() as session:
        assert "impersonator_id" not in session
    assert _events("impersonation.started") == []


def test_actions_while_impersonating_name_both_people(post, admin_client, admin_user, acme, mailbox):
    tenant, owner = acme
    post(f"/admin/tenants/{tenant.id}/impersonate", reason=REASON)
    token = csrf_token(admin_client, f"/t/{tenant.slug}/")
    admin_client.post(f"/t/{tenant.slug}/invitations",
                      data={"csrf_token": token, "email": "newbie@acme.test", "role": "member"})

    (invited,) = _events("invitation.created")
    assert invited.actor_user_id == owner.id
    assert invited.impersonator_user_id == admin_user.id


def test_return_to_admin_restores_the_admin_and_is_in_the_tenants_log(post, admin_client, admin_user, acme):
    tenant, _owner = acme
    post(f"/admin/tenants/{tenant.id}/impersonate", reason=REASON)
    token = csrf_token(admin_client, f"/t/{tenant.slug}/")
    response = admin_client.post("/admin/impersonation/stop", data={"csrf_token": token})

    assert response.headers["Location"].endswith(f"/admin/tenants/{tenant.id}")
    with admin_client.session_transaction() as session:
        assert "impersonator_id" not in session
        assert session["_user_id"] == str(admin_user.id)
    assert admin_client.get("/admin/").status_code == 200
    (ended,) = _events("impersonation.ended")
    assert ended.tenant_id == tenant.id and ended.details["reason"] == "returned"
    assert ended.actor_label == "root@platform.test"


def test_impersonation_ends_on_logout(post, admin_client, acme):
    tenant, _owner = acme
    post(f"/admin/tenants/{tenant.id}/impersonate", reason=REASON)
    token = csrf_token(admin_client, f"/t/{tenant.slug}/")
    admin_client.post("/logout", data={"csrf_token": token})

    with admin_client.session_transaction() as session:
        assert "impersonator_id" not in session and "_user_id" not in session
    (ended,) = _events("impersonation.ended")
    assert ended.details["reason"] == "logout" and ended.tenant_id == tenant.id


@pytest.mark.app_config(IMPERSONATION_MAX_MINUTES=5)
def test_impersonation_expires_after_the_configured_minutes(post, admin_client, admin_user, acme):
    tenant, _owner = acme
    post(f"/admin/tenants/{tenant.id}/impersonate", reason=REASON)
    with admin_client.session_transaction() as session:
        session["impersonation_started"] = (utcnow() - timedelta(minutes=6)).isoformat()

    response = admin_client.get(f"/t/{tenant.slug}/")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/tenants/{tenant.id}")
    with admin_client.session_transaction() as session:
        assert "impersonator_id" not in session
        assert session["_user_id"] == str(admin_user.id)
    assert "ended after 5 minutes" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    (ended,) = _events("impersonation.ended")
    assert ended.details["reason"] == "expired"


def test_impersonation_within_the_limit_carries_on(post, admin_client, acme):
    tenant, _owner = acme
    post(f"/admin/tenants/{tenant.id}/impersonate", reason=REASON)
    with admin_client.session_transaction() as session:
        session["impersonation_started"] = (utcnow() - timedelta(minutes=29)).isoformat()
    assert "You are viewing as" in admin_client.get(f"/t/{tenant.slug}/").get_data(as_text=True)
    assert _events("impersonation.ended") == []


def test_cannot_impersonate_an_owner_who_is_a_platform_admin(post, admin_client):
    other_admin = f.user("ops@platform.test", admin=True)
    tenant = f.tenant("ops-sandbox", owner=other_admin)
    response = post(f"/admin/tenants/{tenant.id}/impersonate", follow=True, reason=REASON)
    assert "admins cannot impersonate each other" in response.get_data(as_text=True)
    with admin_client.session_transaction() as session:
        assert "impersonator_id" not in session
    assert _events("impersonation.started") == []


def test_service_refuses_non_admins_and_deleted_tenants(app, acme):
    tenant, _owner = acme
    with pytest.raises(PermissionDenied):
        impersonation.start(tenant, f.user("nobody@x.test"), REASON)
    deleted = f.tenant("gone", status="deleted")
    with pytest.raises(Exception, match="restore it first"):
        impersonation.start(deleted, f.user("root2@x.test", admin=True), REASON)


def test_stop_without_impersonation_just_goes_home(admin_client):
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post("/admin/impersonation/stop", data={"csrf_token": token})
    assert response.status_code == 302
    assert _events("impersonation.ended") == []


def test_the_owner_sees_in_their_audit_log_when_and_by_whom_they_were_viewed(post, admin_client, acme, as_user):
    tenant, owner = acme
    post(f"/admin/tenants/{tenant.id}/impersonate", reason=REASON)
    token = csrf_token(admin_client, f"/t/{tenant.slug}/")
    admin_client.post("/admin/impersonation/stop", data={"csrf_token": token})

    html = as_user(owner).get(f"/t/{tenant.slug}/audit").get_data(as_text=True)
    assert "impersonation.started" in html and "impersonation.ended" in html
    assert "root@platform.test" in html


# --- Issue 9, finding 7: an impersonation reaches one tenant, and mints no keys ----------------

@pytest.fixture
def owner_with_two_orgs(acme):
    tenant, owner = acme
    globex = f.tenant("globex", owner=owner, plan="pro", status="active", name="Globex")
    return tenant, globex, owner


def test_impersonation_opens_only_the_tenant_it_was_started_for(post, admin_client, owner_with_two_orgs):
    acme, globex, _owner = owner_with_two_orgs
    post(f"/admin/tenants/{acme.id}/impersonate", reason=REASON)
    assert admin_client.get(f"/t/{acme.slug}/").status_code == 200
    for path in (f"/t/{globex.slug}/", f"/t/{globex.slug}/members", f"/t/{globex.slug}/keys"):
        refused = admin_client.get(path)
        assert refused.status_code == 403, path
        assert "only that organisation is open" in refused.get_data(as_text=True)
    token = csrf_token(admin_client, f"/t/{acme.slug}/")
    renamed = admin_client.post(f"/t/{globex.slug}/settings", data={"csrf_token": token, "name": "Hacked"})
    assert renamed.status_code == 403
    db.session.expire_all()
    assert db.session.get(type(globex), globex.id).name == "Globex"
    # The switcher and the organisations page list only the impersonated tenant.
    page = admin_client.get("/organisations").get_data(as_text=True)
    assert "/t/globex/" not in page and "/t/acme/" in page
    assert admin_client.get("/organisations/new").status_code == 403


def test_no_api_key_can_be_created_while_impersonating(post, admin_client, owner_with_two_orgs):
    from app.models import ApiKey

    acme, _globex, _owner = owner_with_two_orgs
    post(f"/admin/tenants/{acme.id}/impersonate", reason=REASON)
    token = csrf_token(admin_client, f"/t/{acme.slug}/keys")
    response = admin_client.post(f"/t/{acme.slug}/keys", data={"csrf_token": token, "name": "backdoor",
                                                               "role": "owner"})
    assert response.status_code == 422
    assert "cannot be created while viewing as an owner" in response.get_data(as_text=True)
    assert db.session.scalar(select(ApiKey).where(ApiKey.name == "backdoor")) is None


def test_owner_signed_in_as_themselves_still_reaches_both_tenants(as_user, owner_with_two_orgs):
    acme, globex, owner = owner_with_two_orgs
    client = as_user(owner)
    assert client.get(f"/t/{acme.slug}/").status_code == 200
    assert client.get(f"/t/{globex.slug}/").status_code == 200
    page = client.get("/organisations").get_data(as_text=True)
    assert "/t/globex/" in page and "/t/acme/" in page
