"""Issue 9, finding 12: hostile input is a 4xx or a form error, never a 500.

A fuzz pass over the browser portal (schemathesis covers the JSON API): every GET rule in
`app.url_map` with hostile values in every query parameter the code reads and in its path, and every
POST rule with hostile values in every form field the portal declares, signed in as a platform admin
who also owns the tenant (so every guard lets the request through to the code that parses). Runs on
SQLite and, with TEST_DATABASE_URL, on PostgreSQL (where a NUL byte used to reach the driver).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField

import app.web
from tests import factories as f
from tests.conftest import csrf_token, login

APP_DIR = Path(__file__).resolve().parents[2] / "app"

NUL = ["\x00", "a\x00b"]                                       # PostgreSQL refuses NUL in text
HOSTILE = [
    "9" * 25, "-" + "9" * 20,                                    # past 2**63 (OFFSET, LIMIT, ids)
    "1e30", "inf", "nan", "-inf",                                # floats where numbers are parsed
    "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",    # datetimes at the ends of the range
    "Acme\r\nBcc: victim@evil.test",                             # header injection
    "x" * 5000,
]
ALL_HOSTILE = NUL + HOSTILE


def hostile_values(names: list[str], shift: int) -> dict[str, str]:
    """One hostile value per name, rotated by `shift`: over the routes, every name meets every value.
    Mixed in one request because a form reports every field's error at once; NUL goes alone, as
    the request-wide check refuses it before any field is read."""
    return {name: HOSTILE[(i + shift) % len(HOSTILE)] for i, name in enumerate(names)}


# Leaving the session would make every later request anonymous; each is covered in its own tests.
SESSION_ENDING = {"auth.logout", "admin.stop_impersonation", "admin.impersonate", "invitations.switch_account"}


def query_parameters() -> list[str]:
    """Every query parameter name the portal reads (request.args, the API's query_* helpers)."""
    pattern = re.compile(r"""(?:args\.get\(|args\[|args\.getlist\(|query_\w+\()\s*["'](\w+)["']""")
    names = {"page", "per_page", "since", "until", "q", "next", "v", "sort", "status", "plan", "tenant"}
    for path in APP_DIR.rglob("*.py"):
        names.update(pattern.findall(path.read_text(encoding="utf-8")))
    return sorted(names)


def form_fields() -> list[str]:
    """Every field name of every portal form (FlaskForm subclasses under app/web)."""
    for module in pkgutil.walk_packages(app.web.__path__, "app.web."):
        importlib.import_module(module.name)
    names: set[str] = set()
    todo = list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        names.update(n for n in dir(cls) if isinstance(getattr(cls, n, None), UnboundField))
    return sorted(names - {"csrf_token"})


def fill(rule, tenant, hostile: str | None = None) -> str:
    """A concrete path for `rule`: real ids where the route names a tenant, `hostile` in free text."""
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        if name == "tenant_slug":
            values[name] = hostile if hostile is not None else tenant.slug
        elif name == "tenant_id":
            values[name] = hostile if hostile is not None else tenant.id
        elif kind == "IntegerConverter":
            values[name] = 999_999
        elif kind == "AnyConverter":
            values[name] = sorted(converter.items)[0] if hasattr(converter, "items") else "x"
        elif kind == "PathConverter":
            values[name] = hostile if hostile is not None else "css/app.css"
        else:
            values[name] = hostile if hostile is not None else "x"
    path = rule.rule
    for name, value in values.items():
        path = re.sub(r"<(?:[^:<>]+:)?" + name + r">", quote(str(value), safe="/"), path)
    return path


@pytest.fixture
def owner_admin(org):
    """Acme's owner, who is a platform admin too: every guard lets the requests reach their parsing."""
    from app.extensions import db

    org.owner.is_platform_admin = True
    db.session.commit()
    return org.owner


def _portal_rules(app, method: str):
    return [r for r in app.url_map.iter_rules()
            if method in r.methods and not r.rule.startswith("/api/") and r.endpoint not in SESSION_ENDING]


def _failures(responses) -> str:
    return "\n".join(f"{label} -> {status}" for label, status in responses if status >= 500)


def test_hostile_query_strings_and_paths_never_answer_5xx(client, server_app, org, owner_admin):
    login(client, owner_admin)
    parameters = query_parameters()
    assert {"page", "since", "until", "actor"} <= set(parameters)
    seen = []
    for n, rule in enumerate(_portal_rules(server_app, "GET")):
        path = fill(rule, org.tenant)
        for query in ({p: NUL[n % 2] for p in parameters}, hostile_values(parameters, 2 * n),
                      hostile_values(parameters, 2 * n + 1)):
            seen.append((f"GET {path} {sorted(set(query.values()))!r:.80}", client.get(path, query_string=query).status_code))
        if rule.arguments:
            path = fill(rule, org.tenant, hostile=NUL[1])
            seen.append((f"GET {path!r}", client.get(path).status_code))
    assert len(seen) > 150
    failures = _failures(seen)
    assert not failures, failures


def test_hostile_form_values_never_answer_5xx(client, server_app, org, owner_admin):
    login(client, owner_admin)
    fields = form_fields()
    assert {"name", "email", "password", "storage", "api_calls"} <= set(fields)
    token = csrf_token(client, "/account")
    seen = []
    for n, rule in enumerate(_portal_rules(server_app, "POST")):
        path = fill(rule, org.tenant)
        for data in ({name: NUL[n % 2] for name in fields}, hostile_values(fields, 2 * n),
                     hostile_values(fields, 2 * n + 1)):
            response = client.post(path, data={"csrf_token": token, **data})
            seen.append((f"POST {path} {sorted(set(data.values()))!r:.80}", response.status_code))
    failures = _failures(seen)
    assert not failures, failures


def test_hostile_sign_in_forms_never_answer_5xx(client, server_app):
    """The public forms, before anyone is signed in, with each value in every field."""
    f.user("someone@acme.test")
    token = csrf_token(client, "/login")
    seen = []
    for path in ("/login", "/forgot-password", "/signup", "/reset-password/x", "/login/two-factor"):
        for value in ALL_HOSTILE:
            response = client.post(path, data={"csrf_token": token, "email": value, "password": value,
                                               "name": value, "organisation": value, "slug": value,
                                               "code": value, "next": value})
            seen.append((f"POST {path} {value[:30]!r}", response.status_code))
            seen.append((f"GET {path} ?next={value[:30]!r}", client.get(path, query_string={"next": value}).status_code))
    failures = _failures(seen)
    assert not failures, failures


# ---- each case the attack pass listed -------------------------------------------------------------

def test_a_nul_byte_in_the_sign_in_forms_is_a_400_not_a_driver_error(client):
    f.user("someone@acme.test")
    for path in ("/login", "/forgot-password"):
        token = csrf_token(client, path)
        response = client.post(path, data={"csrf_token": token, "email": "someone@acme.test\x00", "password": "x"})
        assert response.status_code == 400, path
        assert "NUL character" in response.get_data(as_text=True)


def test_a_nul_byte_in_a_path_matches_nothing_and_in_a_query_is_a_400(client, as_user, org):
    as_user(org.admin)
    assert client.get("/t/ac%00me/brand.css").status_code == 404
    assert client.get("/t/acme/brand.css?v=ff%00").status_code == 400
    assert client.get("/t/acme/audit?actor=bot%00").status_code == 400
    assert client.get("/t/acme/audit?action=%00").status_code == 400
    page = client.get("/t/acme/members", headers={"X-Tenant-ID": "acme\x00"})
    assert page.status_code == 400


def test_page_numbers_past_2_to_the_63_are_served_as_an_empty_last_page(client, as_user, org):
    as_user(org.admin)
    for page in ("9" * 25, str(2**63), str(2**64)):
        response = client.get(f"/t/acme/audit?page={page}")
        assert response.status_code == 200
        assert "No events match" in response.get_data(as_text=True) or 'data-testid="audit-row"' not in \
            response.get_data(as_text=True)


def test_admin_audit_dates_at_the_ends_of_time_are_dropped_not_overflowed(client, as_user, org):
    admin = f.user("root@platform.test", admin=True)
    as_user(admin)
    for query in ("until=9999-12-31", "since=0001-01-01", "until=9999-12-31&since=0001-01-01&page=" + "9" * 30):
        assert client.get(f"/admin/audit?{query}").status_code == 200, query
    # An ordinary date still filters.
    page = client.get("/admin/audit?since=2000-01-01").get_data(as_text=True)
    assert 'value="2000-01-01"' in page


@pytest.mark.parametrize("storage, users, api_calls", [("inf", "nan", "1e30"), ("1e30", "9" * 30, "-1"),
                                                        ("nan", "1.5", "inf")])
def test_quota_form_refuses_non_numbers_on_every_field_at_once(client, as_user, org, storage, users, api_calls):
    from app.extensions import db
    from app.models import TenantQuota
    from tests.web.conftest import post

    admin = f.user("root@platform.test", admin=True)
    as_user(admin)
    path = f"/admin/tenants/{org.tenant.id}"
    response = post(client, f"{path}/quotas", {"users": users, "storage": storage, "api_calls": api_calls},
                    token_from=path)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count("Enter a number") == 6  # one message under each field, and each in the summary on top
    assert "3 fields need attention" in html
    assert db.session.query(TenantQuota).count() == 0


def test_the_largest_custom_quota_is_stored(client, as_user, org):
    from app.services import quotas
    from tests.web.conftest import post

    admin = f.user("root@platform.test", admin=True)
    as_user(admin)
    path = f"/admin/tenants/{org.tenant.id}"
    response = post(client, f"{path}/quotas", {"users": "1,000", "storage": "8388608", "api_calls": ""},
                    token_from=path)
    assert response.status_code == 302
    assert quotas.limits_for(org.tenant)["storage"] == 2**53


def test_a_line_break_in_the_tenant_name_is_a_form_error(client, as_user, org):
    from app.extensions import db
    from tests.web.conftest import post

    as_user(org.owner)
    response = post(client, "/t/acme/settings", {"name": "Acme\r\nBcc: victim@evil.test", "slug": "acme",
                                                 "timezone": "UTC", "locale": "en", "brand_color": "#0d6efd"},
                    token_from="/t/acme/settings")
    assert response.status_code == 422
    assert "single line" in response.get_data(as_text=True)
    db.session.refresh(org.tenant)
    assert org.tenant.name == "Acme"


def test_invitations_go_out_even_when_an_old_tenant_name_holds_a_line_break(client, as_user, org, mailbox):
    """Names saved before the rule existed: the subject is made one line where the mail is queued."""
    from app.extensions import db
    from tests.web.conftest import post

    org.tenant.name = "Acme\r\nBcc: victim@evil.test"
    db.session.commit()
    as_user(org.admin)
    post(client, "/t/acme/invitations", {"email": "new@acme.test", "role": "member"}, token_from="/t/acme/invitations")
    message = mailbox.wait_for("new@acme.test")
    assert message["Subject"] == "Adam Admin invited you to join Acme Bcc: victim@evil.test"
    assert message["Bcc"] is None and all("victim" not in str(m["To"]) for m in mailbox.messages)
