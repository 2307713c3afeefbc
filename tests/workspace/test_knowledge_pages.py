"""The "Knowledge base" page: viewers read and search, members upload, admins delete anyone's."""

from __future__ import annotations

import io

from app.extensions import db
from app.models import Tenant
from app.services import documents, quotas
from app.services.audit import Actor
from tests import factories as f
from tests.conftest import csrf_token


def page_of(tenant: Tenant) -> str:
    return f"/t/{tenant.slug}/knowledge"


def store(tenant, who, title, content="Some words.") -> str:
    return documents.create_document(tenant, Actor.for_user(who), documents.Upload(title=title, content=content)).id


def test_viewer_reads_and_searches_but_sees_no_upload_form(as_user):
    tenant = f.tenant()
    store(tenant, tenant.owner, "Holiday calendar", "Office closed on the first of May.")
    client = as_user(f.member(tenant, "viewer"))
    page = client.get(page_of(tenant)).get_data(as_text=True)
    assert "Holiday calendar" in page
    assert 'data-testid="upload-form"' not in page
    found = client.get(page_of(tenant) + "/search?q=closed", headers={"HX-Request": "true"})
    assert found.status_code == 200
    body = found.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="search-results"') and "Holiday calendar" in body
    assert "<html" not in body
    token = csrf_token(client, page_of(tenant))
    refused = client.post(page_of(tenant), data={"csrf_token": token, "title": "x", "content": "y"})
    assert refused.status_code == 403


def test_member_pastes_text_and_uploads_a_file(as_user):
    tenant = f.tenant()
    client = as_user(f.member(tenant, "member"))
    token = csrf_token(client, page_of(tenant))
    pasted = client.post(page_of(tenant), data={"csrf_token": token, "title": "Style guide",
                                                "tags": "writing", "content": "Use short sentences."})
    assert pasted.status_code == 302
    uploaded = client.post(page_of(tenant), content_type="multipart/form-data",
                           data={"csrf_token": token, "title": "", "tags": "",
                                 "file": (io.BytesIO(b"# FAQ\n\nHow do I reset my password?"), "faq.md")})
    assert uploaded.status_code == 302
    page = client.get(page_of(tenant)).get_data(as_text=True)
    assert "Style guide" in page and "faq.md" in page and "was added to the knowledge base" in page


def test_an_upload_past_the_quota_is_a_form_error_and_stores_nothing(as_user):
    tenant = f.tenant()
    quotas.set_custom_limits(tenant, {"storage": 10}, Actor.system())
    client = as_user(f.member(tenant, "member"))
    token = csrf_token(client, page_of(tenant))
    response = client.post(page_of(tenant), data={"csrf_token": token, "title": "Big", "content": "x" * 11})
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "only 10 bytes of the" in html.replace("\xa0", " ") or "is free" in html
    assert documents.list_documents(tenant).total == 0


def test_members_delete_their_own_and_admins_anyones(as_user, client):
    tenant = f.tenant()
    alice, bob = f.member(tenant, "member"), f.member(tenant, "member")
    admin = f.member(tenant, "admin")
    doc = store(tenant, alice, "Alice's draft")

    as_user(bob)
    page = client.get(page_of(tenant)).get_data(as_text=True)
    assert f"/knowledge/{doc}/delete" not in page
    token = csrf_token(client, page_of(tenant))
    client.post(f"{page_of(tenant)}/{doc}/delete", data={"csrf_token": token})
    assert documents.list_documents(tenant).total == 1

    as_user(admin)
    token = csrf_token(client, page_of(tenant))
    swapped = client.post(f"{page_of(tenant)}/{doc}/delete", data={"csrf_token": token},
                          headers={"HX-Request": "true"})
    assert swapped.status_code == 200
    assert 'id="documents"' in swapped.get_data(as_text=True) and 'id="storage-meter"' in swapped.get_data(as_text=True)
    db.session.expire_all()
    assert documents.list_documents(tenant).total == 0


def test_a_member_of_another_tenant_gets_404(as_user):
    tenant, other = f.tenant(), f.tenant()
    doc = store(tenant, tenant.owner, "Internal")
    client = as_user(other.owner)
    assert client.get(page_of(tenant)).status_code == 404
    assert client.get(f"{page_of(tenant)}/{doc}").status_code == 404
    assert client.get(f"{page_of(other)}/{doc}").status_code == 404
    token = csrf_token(client, page_of(other))
    assert client.post(f"{page_of(other)}/{doc}/delete", data={"csrf_token": token}).status_code == 404
    assert documents.list_documents(tenant).total == 1


def test_reading_a_document_shows_its_text(as_user):
    tenant = f.tenant()
    doc = store(tenant, tenant.owner, "Recipe", "Mix <b>flour</b> and water.")
    html = as_user(tenant.owner).get(f"{page_of(tenant)}/{doc}").get_data(as_text=True)
    assert "Mix &lt;b&gt;flour&lt;/b&gt; and water." in html


def test_markdown_is_shown_rendered_and_nothing_in_it_runs(as_user):
    tenant = f.tenant()
    client = as_user(f.member(tenant, "member"))
    token = csrf_token(client, page_of(tenant))
    text = (b"# Onboarding\n\nRead **this** first, then [the wiki](https://wiki.example.com).\n\n"
            b"<script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror=alert(3)>\n\n"
            b"| Step | Owner |\n|---|---|\n| Laptop | IT |\n")
    client.post(page_of(tenant), content_type="multipart/form-data",
                data={"csrf_token": token, "title": "", "tags": "", "file": (io.BytesIO(text), "onboarding.md")})
    [document] = documents.list_documents(tenant, 1, 20).items
    shown = client.get(f"{page_of(tenant)}/{document.id}").get_data(as_text=True)
    assert "<h1>Onboarding</h1>" in shown and "<strong>this</strong>" in shown
    assert '<a href="https://wiki.example.com" rel="noopener noreferrer nofollow">the wiki</a>' in shown
    assert "<td>Laptop</td>" in shown
    # Raw HTML stays text, and a javascript: link is no link.
    assert "<script>alert(1)" not in shown and "&lt;script&gt;alert(1)" in shown
    assert 'href="javascript:' not in shown and "<img" not in shown


def test_a_plain_text_document_is_shown_as_written(as_user):
    tenant = f.tenant()
    doc_id = store(tenant, tenant.owner, "Notes", "# not a heading in a .txt\n<b>kept as text</b>")
    shown = as_user(tenant.owner).get(f"{page_of(tenant)}/{doc_id}").get_data(as_text=True)
    assert "<h1>not a heading" not in shown and "# not a heading in a .txt" in shown
    assert "&lt;b&gt;kept as text&lt;/b&gt;" in shown


def _pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def test_a_pdf_upload_is_searchable_by_its_text(as_user):
    tenant = f.tenant()
    client = as_user(f.member(tenant, "member"))
    token = csrf_token(client, page_of(tenant))
    pdf = _pdf("<h1>Expense policy</h1><p>Receipts are reimbursed within thirty days.</p>")
    answer = client.post(page_of(tenant), content_type="multipart/form-data",
                         data={"csrf_token": token, "title": "", "tags": "",
                               "file": (io.BytesIO(pdf), "expenses.pdf")})
    assert answer.status_code == 302
    found = client.get(page_of(tenant) + "/search?q=reimbursed", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "expenses" in found and "<mark>reimbursed</mark>" in found


def test_a_pdf_without_text_or_not_a_pdf_is_a_form_error(as_user):
    tenant = f.tenant()
    client = as_user(f.member(tenant, "member"))
    token = csrf_token(client, page_of(tenant))
    for data, message in [(_pdf('<div style="width:40px;height:40px;background:#c00"></div>'), "has no text to search"),
                          (b"plain bytes, no PDF at all", "not a PDF that can be read")]:
        answer = client.post(page_of(tenant), content_type="multipart/form-data",
                             data={"csrf_token": token, "title": "", "tags": "", "file": (io.BytesIO(data), "scan.pdf")})
        assert answer.status_code == 422
        assert message in answer.get_data(as_text=True)
    assert documents.list_documents(tenant, 1, 20).items == []


def test_a_document_s_own_guillemets_are_not_taken_for_highlights(as_user):
    tenant = f.tenant()
    store(tenant, tenant.owner, "Citations", "Il a dit « bonjour » puis il a parlé de facturation.")
    found = as_user(tenant.owner).get(page_of(tenant) + "/search?q=facturation", headers={"HX-Request": "true"})
    body = found.get_data(as_text=True)
    assert "<mark>facturation</mark>" in body
    assert "<mark> bonjour </mark>" not in body and "« bonjour »" in body


def test_a_search_says_how_many_passages_match_and_how_to_see_everything_again(as_user):
    tenant = f.tenant()
    store(tenant, tenant.owner, "Holiday calendar", "Office closed on the first of May.")
    body = as_user(tenant.owner).get(page_of(tenant) + "?q=closed").get_data(as_text=True)
    assert "1 passage matches closed" in body and "data-searching" in body
    assert "Clear the search and show every document" in body
