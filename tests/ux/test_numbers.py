"""Numbers that agree with each other: one seat definition on every page, periods on every API-call
figure, whole percentages, and custom limits that are not sold as plan upgrades."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import TenantQuota
from app.services import quotas
from app.services.audit import Actor
from app.services.quotas import QuotaLine
from tests import factories as f


def _seat_figures(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def test_members_page_lists_the_pending_invitations_its_seat_count_includes(client, as_user, org):
    f.invitation(org.tenant, "newcomer@acme.test", role="viewer")
    as_user(org.admin)
    html = _seat_figures(client.get("/t/acme/members").get_data(as_text=True))
    # 4 members + 1 invitation = 5 seats, and the page shows both parts and the invitation itself.
    assert "5 of 5 seats in use" in html
    assert "4 members · 1 pending invitation" in html
    assert re.search(r'data-testid="pending-count">1<', html)
    assert "newcomer@acme.test" in html


def test_the_same_seat_count_on_dashboard_members_and_admin_table(client, as_user, org, admin_user):
    f.invitation(org.tenant, "newcomer@acme.test")
    as_user(org.owner)
    dashboard = _seat_figures(client.get("/t/acme/").get_data(as_text=True))
    assert re.search(r'data-resource="users".*?5 <span[^>]*>/ 5</span>', dashboard)
    assert "4 members · 1 pending invitation" in dashboard
    as_user(admin_user)
    table = _seat_figures(client.get("/admin/tenants?q=acme").get_data(as_text=True))
    row = re.search(r'<tr data-tenant="acme">.*?</tr>', table).group(0)
    assert re.search(r'data-label="Seats">5<div[^>]*>1 pending</div>', row)
    assert re.search(r">\s*Seats\s*<i", table) and not re.search(r">\s*Users\s*<i", table)


def test_dashboard_names_the_period_of_each_api_call_figure(client, as_user, org, time_machine):
    time_machine.move_to("2026-03-17 12:00:00Z", tick=False)
    as_user(org.owner)
    html = _seat_figures(client.get("/t/acme/").get_data(as_text=True))
    assert "Feb 16 – Mar 17 (UTC)" in html  # the last 30 days, today included
    assert "Mar 1 – Mar 17 (UTC); resets on the 1st" in html  # the quota's calendar month


def test_meters_print_whole_percentages():
    assert QuotaLine("users", 1, 5).percent_text == "20%"
    assert QuotaLine("users", 1, 3).percent_text == "33%"
    assert QuotaLine("api_calls", 1, 1000).percent_text == "<1%"
    assert QuotaLine("api_calls", 0, 1000).percent_text == "0%"


def test_dashboard_meter_says_20_percent_not_20_point_0(client, as_user, org):
    as_user(org.owner)
    html = client.get("/t/acme/").get_data(as_text=True)
    assert "80% used" in html and "80.0%" not in html  # 4 of 5 seats


def test_admin_is_warned_before_a_custom_limit_below_usage_and_may_confirm(post):
    tenant = f.tenant("tight", plan="basic", status="active")
    f.member(tenant)
    f.member(tenant)  # owner + 2 = 3 seats

    warned = post(f"/admin/tenants/{tenant.id}/quotas", users="2", storage="", api_calls="")
    html = _seat_figures(warned.get_data(as_text=True))
    assert warned.status_code == 422
    assert 'data-testid="quota-below-usage"' in html and "limit 2, in use 3" in html
    assert 'value="2"' in html  # what the admin typed is kept
    assert db.session.scalars(select(TenantQuota).where(TenantQuota.tenant_id == tenant.id)).all() == []

    saved = post(f"/admin/tenants/{tenant.id}/quotas", users="2", storage="", api_calls="", confirm_below_usage="1")
    assert saved.status_code == 302
    assert quotas.limits_for(tenant)["users"] == 2


def test_a_limit_above_usage_saves_without_a_warning(post):
    tenant = f.tenant("roomy", plan="basic", status="active")
    assert post(f"/admin/tenants/{tenant.id}/quotas", users="30", storage="", api_calls="").status_code == 302


def test_owner_at_a_custom_limit_is_told_about_the_account_manager_not_an_upgrade(client, as_user, org):
    quotas.set_custom_limits(org.tenant, {"users": 4}, Actor.system())
    as_user(org.owner)
    dashboard = client.get("/t/acme/").get_data(as_text=True)
    meter = re.search(r'data-resource="users".*?</div>\s*</div>\s*</div>', dashboard, re.S).group(0)
    assert "Custom limit set by your account manager" in meter and "Upgrade plan" not in meter
    members_page = client.get("/t/acme/members").get_data(as_text=True)
    assert "Custom limit set by your account manager" in members_page and "Upgrade your plan" not in members_page
    invitations_page = client.get("/t/acme/invitations").get_data(as_text=True)
    assert "Every seat of your custom limit is taken" in invitations_page
    assert "See plans with more seats" not in invitations_page and "Every seat of the Free plan" not in invitations_page


def test_inviting_past_a_custom_limit_names_the_account_manager(app, org):
    from app.services.errors import QuotaExceeded

    quotas.set_custom_limits(org.tenant, {"users": 4}, Actor.system())
    try:
        quotas.ensure_seats_available(org.tenant, 1)
    except QuotaExceeded as exc:
        assert "set by your account manager" in exc.message and "Upgrade the plan" not in exc.message
    else:
        raise AssertionError("a fifth seat fitted under a custom limit of 4")
