"""The tenant table: search, filters, sorts and pages through HTMX, at a constant query count."""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event, insert

from app.extensions import db
from app.models import ApiUsageDaily, Tenant, TenantConfig, TenantUser, User
from app.models.types import utcnow
from app.services import usage
from tests import factories as f


def _slugs(html: str) -> list[str]:
    return re.findall(r'<tr data-tenant="([^"]+)"', html)


def test_search_finds_tenants_by_name_slug_and_owner_email(admin_client):
    f.tenant("globex", name="Globex Corporation")
    f.tenant("initech", owner=f.user("bill@initrode.test"))
    f.tenant("hooli")

    assert _slugs(admin_client.get("/admin/tenants?q=corpora").get_data(as_text=True)) == ["globex"]
    assert _slugs(admin_client.get("/admin/tenants?q=init").get_data(as_text=True)) == ["initech"]
    assert _slugs(admin_client.get("/admin/tenants?q=INITRODE").get_data(as_text=True)) == ["initech"]


def test_filters_combine_status_plan_and_isolation(admin_client):
    f.tenant("pro-suspended", plan="pro", status="suspended")
    f.tenant("pro-active", plan="pro", status="active")
    f.tenant("basic-suspended", plan="basic", status="suspended")

    html = admin_client.get("/admin/tenants?status=suspended&plan=pro").get_data(as_text=True)
    assert _slugs(html) == ["pro-suspended"]
    assert "1–1 of 1 tenants" in html
    assert _slugs(admin_client.get("/admin/tenants?isolation=schema").get_data(as_text=True)) == []
    assert len(_slugs(admin_client.get("/admin/tenants?isolation=row").get_data(as_text=True))) == 3


def test_sorts_by_users_and_api_calls_and_toggles_direction(admin_client):
    small = f.tenant("small-co")
    big = f.tenant("big-co")
    for _ in range(3):
        f.member(big)
    usage.load_daily_calls(small.id, {utcnow().date(): 500})

    assert _slugs(admin_client.get("/admin/tenants?sort=users").get_data(as_text=True)) == ["big-co", "small-co"]
    assert _slugs(admin_client.get("/admin/tenants?sort=users&dir=asc").get_data(as_text=True)) == \
        ["small-co", "big-co"]
    html = admin_client.get("/admin/tenants?sort=api_calls").get_data(as_text=True)
    assert _slugs(html) == ["small-co", "big-co"]
    assert ">500<" in html
    # The active column's header link flips the direction.
    assert 'href="/admin/tenants?sort=api_calls&amp;dir=asc"' in html
    assert _slugs(admin_client.get("/admin/tenants?sort=name").get_data(as_text=True)) == ["big-co", "small-co"]


def test_pages_through_the_fleet(admin_client):
    for n in range(12):
        f.tenant(f"paged-{n:02d}")
    first = admin_client.get("/admin/tenants?sort=name&dir=asc&per_page=10").get_data(as_text=True)
    second = admin_client.get("/admin/tenants?sort=name&dir=asc&per_page=10&page=2").get_data(as_text=True)
    assert _slugs(first) == [f"paged-{n:02d}" for n in range(10)]
    assert _slugs(second) == ["paged-10", "paged-11"]
    assert "Page 2 of 2" in second


def test_htmx_request_gets_only_the_table_and_links_push_the_url(admin_client):
    f.tenant("fragment")
    full = admin_client.get("/admin/tenants").get_data(as_text=True)
    assert 'hx-push-url="true"' in full and 'hx-target="#tenant-table"' in full

    response = admin_client.get("/admin/tenants?q=frag", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="tenant-table"')
    assert "<html" not in body and _slugs(body) == ["fragment"]
    assert "HX-Request" in response.headers["Vary"]


def test_a_filter_change_keeps_the_sort_and_page_size_of_the_last_click(admin_client):
    f.tenant("kept")
    body = admin_client.get("/admin/tenants?sort=users&dir=asc&per_page=50",
                            headers={"HX-Request": "true"}).get_data(as_text=True)
    state = re.search(r'<span id="sort-state"[^>]*hx-swap-oob="true">(.*?)</span>', body, re.S).group(1)
    assert 'name="sort" value="users"' in state and 'name="dir" value="asc"' in state
    assert 'name="per_page" value="50"' in state


def test_nonsense_in_a_bookmarked_url_falls_back_to_defaults(admin_client):
    f.tenant("sane")
    response = admin_client.get("/admin/tenants?sort=drop+table&dir=sideways&page=-4&per_page=9999&status=x")
    assert response.status_code == 200
    assert _slugs(response.get_data(as_text=True)) == ["sane"]


# --- scale ------------------------------------------------------------------------------------

TENANTS, USERS = 10_000, 100_000


def _bulk_fleet() -> None:
    """10,000 tenants and 100,000 users (ten members each, the first the owner), with Core inserts."""
    now = utcnow()
    users = [{"id": 1_000_000 + i, "email": f"bulk{i}@scale.test", "name": f"Bulk {i}", "password_hash": None,
              "is_platform_admin": False, "is_disabled": False, "created_at": now, "session_version": 1}
             for i in range(USERS)]
    db.session.execute(insert(User), users)
    tenants = [{"id": f"tnt_bulk{i:08d}", "name": f"Scale Tenant {i}", "slug": f"scale-{i}",
                "status": ("active", "trial", "suspended")[i % 3], "plan_code": ("free", "basic", "pro")[i % 3],
                "owner_id": 1_000_000 + i * 10, "created_at": now - timedelta(minutes=i),
                "isolation_strategy": "row", "storage_used_bytes": i} for i in range(TENANTS)]
    db.session.execute(insert(Tenant), tenants)
    db.session.execute(insert(TenantConfig), [{"tenant_id": t["id"], "timezone": "UTC", "locale": "en",
                                                "brand_color": "#4f46e5", "feature_flags": {}} for t in tenants])
    db.session.execute(insert(TenantUser), [
        {"tenant_id": f"tnt_bulk{i // 10:08d}", "user_id": 1_000_000 + i, "role": "owner" if i % 10 == 0 else "member",
         "status": "active", "joined_at": now} for i in range(USERS)])
    today = now.date()
    db.session.execute(insert(ApiUsageDaily), [
        {"tenant_id": f"tnt_bulk{i:08d}", "day": d, "calls": 10, "month_to_date": 10 * (k + 1)}
        for i in range(0, TENANTS, 7) for k, d in enumerate(_month_days(today))])
    db.session.commit()


def _month_days(today: date) -> list[date]:
    start = today.replace(day=1)
    return [start + timedelta(days=k) for k in range(min(3, today.day))]


@contextmanager
def counting_queries(server_app):
    """Count the SQL statements the server app sends while the block runs."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with server_app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


VIEWS = ["/admin/tenants", "/admin/tenants?sort=users", "/admin/tenants?sort=api_calls&dir=asc",
         "/admin/tenants?q=scale-12&status=active", "/admin/tenants?plan=pro&sort=name&page=3"]


def test_tenant_table_query_count_is_constant_at_ten_thousand_tenants(admin_client, server_app):
    f.tenant("seed-tenant")

    def queries_for(url: str) -> int:
        with counting_queries(server_app) as statements:
            response = admin_client.get(url)
        assert response.status_code == 200
        return len(statements)

    small = {queries_for(f"{url}{'&' if '?' in url else '?'}per_page={n}") for url in VIEWS for n in (10, 100)}

    started = time.perf_counter()
    _bulk_fleet()
    seeded = time.perf_counter() - started

    large = {}
    for url in VIEWS:
        for n in (10, 100):
            full = f"{url}{'&' if '?' in url else '?'}per_page={n}"
            large[full] = queries_for(full)
    html = admin_client.get("/admin/tenants?sort=users&per_page=100").get_data(as_text=True)

    assert len(small) == 1, f"query count varies with the view: {small}"
    assert set(large.values()) == small, f"query count grew with data or page size: {large} vs {small}"
    # The table itself is two statements (count + page); the rest is the request's own (user, plans, ...).
    assert small.pop() <= 6
    assert len(_slugs(html)) == 100 and "10,001 tenants" in html
    assert seeded < 120, f"seeding took {seeded:.0f}s"


def test_overview_users_and_audit_pages_stay_bounded_at_scale(admin_client, server_app):
    pages = ["/admin/", "/admin/users", "/admin/audit"]
    before = {}
    for url in pages:
        with counting_queries(server_app) as statements:
            admin_client.get(url)
        before[url] = len(statements)
    _bulk_fleet()
    after = {}
    for url in pages:
        with counting_queries(server_app) as statements:
            assert admin_client.get(url).status_code == 200
        after[url] = len(statements)
    assert after == before
