"""Issue 9, finding 1: text a tenant member (or an outsider, through an audited refusal) writes must
never become markup. A document title such as `x hx-post=/admin/users/1/grant-admin hx-trigger=load y`
once broke out of `title="{{ e.details|tojson }}"` on the audit page and made whoever opened it (a
platform admin) grant platform admin with the page's CSRF token.

Two layers are checked: every template interpolates only into quoted attributes and never through
`|safe`/`|tojson`, and the rendered pages, parsed as HTML, carry no htmx attribute from user data, with
the cells that show user data inside an `hx-disable` region.
"""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest

from app.services import documents
from app.services.audit import Actor, record_now
from tests import factories as f

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"


def payloads(target_user_id: int) -> list[str]:
    """The quoted and the unquoted form (the latter needs the quotes `tojson` adds)."""
    grant = f"/admin/users/{target_user_id}/grant-admin"
    return [f"x hx-post={grant} hx-trigger=load y",
            f'x" hx-post="{grant}" hx-trigger="load" data-planted="1',
            f"x' hx-post='{grant}' hx-trigger='load' data-planted='1",
            f'<b hx-post="{grant}" hx-trigger="load">planted</b>']


def live_htmx_from(html: str, marker: str) -> list[str]:
    """Every attribute that came from planted text: an hx-* naming the marker, or a planted name."""
    tree = lxml.html.fromstring(html)
    found = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            # hx-confirm may quote a name as text; what acts is a verb or a trigger from planted text.
            verb = name.removeprefix("data-").removeprefix("hx-") in {"get", "post", "put", "patch", "delete"}
            if name == "data-planted" or (verb and marker in value) or (
                    name.endswith("hx-trigger") and value.strip("'\"\\") == "load"):
                found.append(f"<{element.tag} {name}={value!r}>")
        if element.tag == "b" and element.text == "planted":
            found.append("<b> element from planted text")
    return found


def not_disabled(html: str, marker: str) -> list[str]:
    """Elements whose own text or attributes hold the marker but sit outside any hx-disable region."""
    tree = lxml.html.fromstring(html)
    bare = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in {"html", "head", "body", "title", "script"}:
            continue
        own = (element.text or "") + "".join(element.attrib.values())
        if marker in own and not any("hx-disable" in a.attrib for a in element.iterancestors()) \
                and "hx-disable" not in element.attrib:
            bare.append(lxml.html.tostring(element, encoding="unicode")[:160])
    return bare


# ---- the templates, statically ------------------------------------------------------------------

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def attribute_contexts(source: str):
    """Yield (expression, quoted) for every `{{ ... }}` written inside an HTML start tag."""
    i, n, in_tag, quote = 0, len(source), False, ""
    while i < n:
        jinja = _JINJA.match(source, i)
        if jinja:
            token = jinja.group(0)
            if in_tag and token.startswith("{{"):
                yield token, bool(quote)
            i = jinja.end()
            continue
        c = source[i]
        if not in_tag:
            if source.startswith("<!--", i):
                i = source.find("-->", i) + 3 if "-->" in source[i:] else n
                continue
            if c == "<" and i + 1 < n and (source[i + 1].isalpha()):
                in_tag = True
        elif quote:
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == ">":
            in_tag = False
        i += 1


def _templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*.html"))


def test_the_scanner_catches_what_broke_the_audit_page():
    bad = list(attribute_contexts('<div title="{{ e.details|tojson }}" data-x={{ v }}>{{ v|safe }}</div>'))
    assert bad == [("{{ e.details|tojson }}", True), ("{{ v }}", False)]


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_interpolate_only_into_quoted_attributes_and_never_unescaped(template: Path):
    source = template.read_text(encoding="utf-8")
    unquoted = [expr for expr, quoted in attribute_contexts(source) if not quoted]
    assert not unquoted, f"unquoted attribute values: {unquoted}"
    # |safe and |tojson hand the autoescaper a finished string: `tojson` leaves `"` alone, so inside an
    # attribute it ends the value. Neither is needed anywhere in these templates.
    raw = [m.group(0) for m in _JINJA.finditer(source) if re.search(r"\|\s*(safe|tojson)\b", m.group(0))]
    assert not raw, f"unescaped output: {raw}"


# ---- the pages, rendered with planted text -------------------------------------------------------

@pytest.fixture
def admin():
    return f.user("root@platform.test", name="Platform Root", admin=True)


def test_a_planted_document_title_is_inert_on_the_audit_pages(client, as_user, org, admin):
    attacker = org.member
    for i, title in enumerate(payloads(attacker.id)):
        documents.create_document(org.tenant, Actor.for_user(attacker),
                                  documents.Upload(title=title, content=f"body {i}"))
    as_user(admin)
    for path in ("/t/acme/audit", f"/admin/audit?tenant={org.tenant.id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert "grant-admin" in html, f"{path} should show the planted titles (as text)"
        assert live_htmx_from(html, "grant-admin") == [], path
    audit_page = client.get("/t/acme/audit").get_data(as_text=True)
    assert not_disabled(audit_page, "grant-admin") == []


def test_planted_audit_details_and_names_are_inert(client, as_user, org, admin):
    org.tenant.name = payloads(org.member.id)[1]
    org.member.name = payloads(org.member.id)[2]
    from app.extensions import db

    db.session.commit()
    record_now("auth.refused", Actor(label=payloads(org.member.id)[0]), tenant_id=org.tenant.id,
               details={"reason": payloads(org.member.id)[3], "path": payloads(org.member.id)[1]})
    as_user(admin)
    for path in ("/t/acme/audit", "/t/acme/members", "/admin/tenants", f"/admin/tenants/{org.tenant.id}",
                 "/admin/audit", "/admin/users", "/t/acme/", "/t/acme/knowledge", "/t/acme/settings"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert live_htmx_from(response.get_data(as_text=True), "grant-admin") == [], path
