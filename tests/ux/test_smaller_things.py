"""Smaller things seen: the admin pager has page numbers and a jump, and returning from viewing as
an owner says where the admin is."""

from __future__ import annotations

import re

from app.services.pagination import Page
from tests import factories as f
from tests.conftest import csrf_token


def test_page_numbers_show_the_ends_and_the_neighbourhood():
    def numbers(page: int, pages: int) -> list[int | None]:
        return Page(items=[], total=pages * 10, page=page, per_page=10).numbers()

    assert numbers(1, 1) == [1]
    assert numbers(1, 5) == [1, 2, 3, 4, 5]
    assert numbers(6, 40) == [1, None, 4, 5, 6, 7, 8, None, 40]
    assert numbers(40, 40) == [1, None, 38, 39, 40]
    assert numbers(4, 40) == [1, 2, 3, 4, 5, 6, None, 40]


def test_admin_tenant_pager_has_page_numbers_and_a_jump_that_keeps_the_filters(admin_client):
    for n in range(85):
        f.tenant(f"pager-{n:03d}", name=f"Pager {n:03d}")
    html = admin_client.get("/admin/tenants?q=pager&per_page=10&page=5").get_data(as_text=True)
    pager = re.search(r'<nav class="pager.*?</nav>', html, re.S).group(0)
    assert re.search(r'aria-current="page"[^>]*>5</a>', pager)
    for n in (1, 3, 4, 6, 7, 9):
        assert re.search(rf'href="[^"]*page={n}[^"]*"[^>]*>\s*{n}</a>', pager), n
    assert 'data-testid="pager-jump"' in pager and 'max="9"' in pager
    assert '<input type="hidden" name="q" value="pager">' in pager
    assert '<input type="hidden" name="per_page" value="10">' in pager
    jumped = admin_client.get("/admin/tenants?q=pager&per_page=10&page=9").get_data(as_text=True)
    assert "81–85 of 85 tenants" in jumped


def test_stopping_impersonation_says_the_admin_is_back_in_the_console(admin_client):
    owner = f.user("olga@stop.test", name="Olga")
    tenant = f.tenant("stopco", owner=owner, name="StopCo")
    token = csrf_token(admin_client, "/admin/")
    admin_client.post(f"/admin/tenants/{tenant.id}/impersonate",
                      data={"csrf_token": token, "reason": "Ticket 42: the owner asked for help"})
    token = csrf_token(admin_client, "/t/stopco/")
    response = admin_client.post("/admin/impersonation/stop", data={"csrf_token": token}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.request.path == f"/admin/tenants/{tenant.id}"
    assert "You stopped viewing StopCo as its owner; you are back in the admin console." in html


def _events_for(tenant, owner) -> None:
    from app.services import audit
    from app.services.audit import Actor

    audit.record("tenant.updated", Actor.for_user(owner), tenant_id=tenant.id, target_type="tenant",
                 target_id=tenant.id, details={})
    from app.extensions import db

    db.session.commit()


def test_owner_filters_the_audit_log_by_date_and_an_impossible_range_says_so(client, as_user, org, time_machine):
    time_machine.move_to("2026-03-17 12:00:00Z", tick=False)
    _events_for(org.tenant, org.owner)
    as_user(org.owner)
    day = client.get("/t/acme/audit?since=2026-03-17&until=2026-03-17").get_data(as_text=True)
    assert 'value="2026-03-17"' in day and "date-range-error" not in day
    assert re.search(r'data-testid="event-count">[1-9]\d* events?<', day)
    before = client.get("/t/acme/audit?until=2026-03-16").get_data(as_text=True)
    assert 'data-testid="event-count">0 events<' in before

    backwards = client.get("/t/acme/audit?since=2026-03-20&until=2026-03-10")
    html = backwards.get_data(as_text=True)
    assert backwards.status_code == 422
    assert "The end date is before the start date" in html and 'aria-invalid="true"' in html
    bad = client.get("/t/acme/audit?since=31/03/2026").get_data(as_text=True)
    assert "Enter a date as YYYY-MM-DD" in bad


def test_admin_audit_export_with_an_invalid_date_is_an_error_not_everything(admin_client):
    response = admin_client.get("/admin/audit.csv?since=yesterday")
    assert response.status_code == 422 and response.mimetype != "text/csv"
    backwards = admin_client.get("/admin/audit?since=2026-03-20&until=2026-03-10")
    assert backwards.status_code == 422
    assert "The end date is before the start date" in backwards.get_data(as_text=True)
    assert admin_client.get("/admin/audit.csv?since=2026-03-01&until=2026-03-31").status_code == 200


def test_keys_page_shows_a_taken_name_beside_the_name_field(client, as_user, org):
    from tests.web.conftest import post

    f.api_key(org.tenant, role="viewer", name="deploy")
    as_user(org.owner)
    response = post(client, "/t/acme/keys", {"name": "deploy", "role": "viewer"})
    html = response.get_data(as_text=True)
    assert "A key named deploy already exists" in html
    assert re.search(r'name="name"[^>]*value="deploy"|value="deploy"[^>]*name="name"', html)
