"""Every tenant page: who may open it, what a stranger sees (404), and page vs HTMX fragment."""

from __future__ import annotations

import re

import pytest

from tests import factories as f

# page -> the least role that may open it (app/services/permissions.py)
PAGES = {
    "/t/acme/": "viewer",
    "/t/acme/members": "viewer",
    "/t/acme/plan": "viewer",
    "/t/acme/invitations": "admin",
    "/t/acme/settings": "admin",
    "/t/acme/keys": "admin",
    "/t/acme/audit": "admin",
}
RANK = {"viewer": 1, "member": 2, "admin": 3, "owner": 4}


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", ["owner", "admin", "member", "viewer"])
def test_each_role_opens_exactly_the_pages_it_may(client, as_user, org, path, role):
    as_user(org.user(role))
    response = client.get(path)
    expected = 200 if RANK[role] >= RANK[PAGES[path]] else 403
    assert response.status_code == expected


@pytest.mark.parametrize("path", PAGES)
def test_member_of_another_tenant_gets_404(client, as_user, org, other_org, path):
    as_user(other_org.owner)
    response = client.get(path)
    assert response.status_code == 404
    assert "Acme" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", PAGES)
def test_signed_out_visitor_is_sent_to_sign_in(client, org, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


@pytest.mark.parametrize("path", PAGES)
def test_htmx_gets_the_fragment_and_a_browser_the_page(client, as_user, org, path):
    as_user(org.owner)
    page = client.get(path)
    fragment = client.get(path, headers={"HX-Request": "true"})
    assert page.status_code == fragment.status_code == 200
    assert "<html" in page.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_script_or_style(client, as_user, org, path):
    as_user(org.owner)
    html = client.get(path).get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html


def test_opening_a_tenant_page_makes_it_the_last_used_tenant(client, as_user, org):
    globex = f.tenant("globex", owner=org.owner)
    as_user(org.owner)
    client.get("/t/globex/members")
    with client.session_transaction() as session:
        assert session["tenant_id"] == globex.id
    from app.extensions import db

    db.session.expire_all()
    assert org.owner.last_tenant_id == globex.id
    assert client.get("/").location == "/t/globex/"


def test_tenant_switcher_lists_every_tenant_of_the_user(client, as_user, org):
    f.tenant("globex", owner=org.owner, name="Globex Corp")
    as_user(org.owner)
    html = client.get("/t/acme/").get_data(as_text=True)
    switcher = html[html.index('data-testid="tenant-switcher"'):]
    assert "/t/globex/" in switcher and "Globex Corp" in switcher


def test_dashboard_shows_meters_and_the_usage_chart(client, as_user, org):
    from datetime import timedelta

    from app.models.types import utcnow
    from app.services import usage

    today = utcnow().date()
    usage.load_daily_calls(org.tenant.id, {today: 40, today - timedelta(days=1): 10} if today.day > 1 else {today: 50})
    as_user(org.viewer)
    html = client.get("/t/acme/").get_data(as_text=True)
    assert html.count('class="quota-meter') == 3
    assert "4 <span" in html and "/ 5" in html  # users: 4 of 5
    assert "50 <span" in html and "/ 1,000" in html  # API calls this month
    assert html.count('class="bar"') == 30
    assert "50 API calls in the last 30 days" in html


def test_dashboard_warns_at_80_percent_and_shows_unlimited_for_enterprise(client, as_user, org):
    from app.services import plans
    from app.services.audit import Actor

    f.invitation(org.tenant)  # 5 of 5 seats
    as_user(org.owner)
    html = client.get("/t/acme/").get_data(as_text=True)
    assert 'data-resource="users" data-state="danger"' in html
    assert "Limit reached" in html
    plans.change_plan(org.tenant, "enterprise", Actor.system())
    html = client.get("/t/acme/").get_data(as_text=True)
    assert html.count("Unlimited") >= 3


def test_trial_banner_counts_the_days_left(client, as_user):
    owner = f.user("trial@acme.test")
    tenant = f.tenant("trialco", owner=owner, plan="basic", status="trial")
    from datetime import timedelta

    from app.extensions import db
    from app.models.types import utcnow

    tenant.trial_ends_at = utcnow() + timedelta(days=4, hours=12)
    db.session.commit()
    as_user(owner)
    assert "Trial ends in 5 days." in client.get("/t/trialco/").get_data(as_text=True)


def test_dates_are_shown_in_the_tenant_time_zone(client, as_user, org):
    from babel.dates import format_datetime

    from app.services import audit
    from app.services.audit import Actor, AuditFilter
    from app.services.tenants import update_tenant

    update_tenant(org.tenant, Actor.system(), timezone="Pacific/Kiritimati")  # UTC+14: always another date
    event = audit.list_events(AuditFilter(tenant_id=org.tenant.id)).items[0]
    from zoneinfo import ZoneInfo

    expected = format_datetime(event.created_at, "short", tzinfo=ZoneInfo("Pacific/Kiritimati"), locale="en")
    utc = format_datetime(event.created_at, "short", tzinfo=ZoneInfo("UTC"), locale="en")
    as_user(org.owner)
    html = client.get("/t/acme/audit").get_data(as_text=True)
    assert expected in html and utc not in html


def test_without_javascript_the_switcher_leads_to_a_page_listing_every_tenant(client, as_user, org):
    f.tenant("globex", owner=org.owner, name="Globex Corp")
    as_user(org.owner)
    html = client.get("/t/acme/").get_data(as_text=True)
    assert 'href="/organisations"' in html
    listing = client.get("/organisations").get_data(as_text=True)
    assert "/t/acme/" in listing and "/t/globex/" in listing
