"""The plan picker: four cards, upgrade at once, downgrade only when usage fits, Enterprise via sales."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Tenant
from app.services import plans
from app.services.audit import Actor
from tests import factories as f
from tests.web.conftest import post


def _plan_of(tenant) -> str:
    db.session.expire_all()
    return db.session.get(Tenant, tenant.id).plan_code


def test_picker_shows_four_plans_with_the_current_one_marked(client, as_user, org):
    as_user(org.admin)
    html = client.get("/t/acme/plan").get_data(as_text=True)
    assert html.count('class="card plan-card') == 4
    assert 'class="card plan-card flex-fill current" data-plan="free"' in html
    assert "$99" in html and "$299" in html and "Custom" in html and "Contact sales" in html
    assert 'aria-label="Upgrade to Basic"' in html


def test_upgrade_is_immediate_and_the_meter_follows(client, as_user, org):
    as_user(org.admin)
    response = post(client, "/t/acme/plan", {"plan": "basic"})
    assert response.location == "/t/acme/plan"
    assert _plan_of(org.tenant) == "basic"
    html = client.get("/t/acme/plan").get_data(as_text=True)
    assert "Upgraded to Basic" in html and "/ 20" in html


def test_downgrade_that_fits_is_confirmed_first_and_waits_for_the_period_end(client, as_user, org):
    plans.change_plan(org.tenant, "pro", Actor.system())
    as_user(org.owner)
    page = client.get("/t/acme/plan/basic").get_data(as_text=True)
    assert "Move from Professional to Basic?" in page and "Confirm: move to Basic" in page
    assert "at the end of the period you have paid for" in page and "$99.00 a month" in page
    assert _plan_of(org.tenant) == "pro"
    post(client, "/t/acme/plan", {"plan": "basic"})
    assert _plan_of(org.tenant) == "pro", "a downgrade takes effect at the period end (tests/billing)"
    assert "You move to the Basic plan on" in client.get("/t/acme/plan").get_data(as_text=True)


def test_an_upgrade_shows_the_preview_before_it_is_confirmed(client, as_user, org):
    as_user(org.admin)
    page = client.get("/t/acme/plan/pro").get_data(as_text=True)
    assert "$299.00 a month" in page and "Charged today" in page and "Limits that change" in page
    assert _plan_of(org.tenant) == "free"


def test_downgrade_shows_what_blocks_it(client, as_user, org):
    plans.change_plan(org.tenant, "basic", Actor.system())
    f.invitation(org.tenant)
    f.invitation(org.tenant)  # 6 seats used; Free allows 5
    as_user(org.owner)
    page = client.get("/t/acme/plan/free").get_data(as_text=True)
    assert "6 users; the Free plan allows 5" in page
    assert "Move to Free" not in page
    post(client, "/t/acme/plan", {"plan": "free"})  # sent anyway: the service refuses
    assert _plan_of(org.tenant) == "basic"
    assert "Can&#39;t move to the Free plan: 6 users" in client.get("/t/acme/plan").get_data(as_text=True)


def test_enterprise_is_contact_sales_only(client, as_user, org):
    as_user(org.owner)
    post(client, "/t/acme/plan", {"plan": "enterprise"})
    assert _plan_of(org.tenant) == "free"
    assert "contact sales" in client.get("/t/acme/plan").get_data(as_text=True)


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_see_plans_but_cannot_change_them(client, as_user, org, role):
    as_user(org.user(role))
    html = client.get("/t/acme/plan").get_data(as_text=True)
    assert "Ask an admin to change the plan." in html and "Upgrade to Basic" not in html
    assert "Contact sales" not in html  # no live sales button for someone who cannot change the plan
    assert post(client, "/t/acme/plan", {"plan": "basic"}).status_code == 403
    assert client.get("/t/acme/plan/basic").status_code == 403
    assert _plan_of(org.tenant) == "free"


def test_another_tenant_cannot_change_acmes_plan(client, as_user, org, other_org):
    as_user(other_org.owner)
    assert post(client, "/t/acme/plan", {"plan": "basic"}).status_code == 404
    assert _plan_of(org.tenant) == "free"


def test_plan_change_without_csrf_token_is_refused(client, as_user, org):
    as_user(org.owner)
    assert client.post("/t/acme/plan", data={"plan": "basic"}).status_code == 400
    assert _plan_of(org.tenant) == "free"


def test_unknown_plan_is_404(client, as_user, org):
    as_user(org.owner)
    assert client.get("/t/acme/plan/platinum").status_code == 404
