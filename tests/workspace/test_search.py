"""Search ranks the best passages first, an exact title first of all, and never crosses tenants;
the tenant may be named by header, query parameter, subdomain or a JWT."""

from __future__ import annotations

import pytest

from app.services import documents, search
from app.services.audit import Actor
from tests import factories as f
from tests.isolation.support import tenant_on

SYSTEM = Actor.system()


def store(tenant, title, content):
    return documents.create_document(tenant, SYSTEM, documents.Upload(title=title, content=content)).id


def test_an_exact_title_match_ranks_first(strategy):
    tenant = tenant_on(strategy)
    store(tenant, "Expense reports", "How to file expense reports: expense reports are due monthly. "
                                     "Expense reports need receipts.")
    exact = store(tenant, "Travel policy", "Book economy class.")
    store(tenant, "Travel tips", "Our travel policy says: travel light, travel policy first, policy always.")

    results = search.search(tenant, "travel policy", 10)
    assert results[0].document_id == exact
    assert results[0].score >= 1
    assert [r.title for r in results][:2] == ["Travel policy", "Travel tips"]
    assert all(r.score < 1 for r in results[1:])


def test_passages_come_with_snippets_marking_the_words_found(strategy):
    tenant = tenant_on(strategy)
    long_text = "\n\n".join(f"Paragraph {i} talks about gardening and soil." for i in range(40))
    long_text += "\n\nThe final paragraph explains kubernetes upgrades."
    doc_id = store(tenant, "Mixed notes", long_text)

    [hit] = search.search(tenant, "kubernetes", 5)
    assert hit.document_id == doc_id
    assert hit.position > 0
    assert "«kubernetes»" in hit.plain_snippet().lower()
    assert ("Kubernetes", True) in hit.marked() or ("kubernetes", True) in hit.marked()


def test_search_never_returns_another_tenants_passage(strategy):
    mine, theirs = tenant_on(strategy), tenant_on(strategy)
    store(mine, "Roadmap", "We plan a launch in spring.")
    store(theirs, "Roadmap", "Confidential: acquisition of Initech in spring.")

    results = search.search(mine, "roadmap spring acquisition initech", 50)
    assert {r.title for r in results} == {"Roadmap"}
    assert all("Initech" not in r.snippet and "acquisition" not in r.snippet for r in results)
    assert search.search(mine, "initech", 50) == []


@pytest.mark.parametrize("query,limit,field", [("", 10, "query"), ("x" * 201, 10, "query"),
                                               ("ok", 0, "limit"), ("ok", 51, "limit"), ("ok", "ten", "limit")])
def test_bad_queries_name_the_field(query, limit, field):
    tenant = f.tenant()
    with pytest.raises(documents.ValidationError) as caught:
        search.search(tenant, query, limit)
    assert caught.value.field == field


def test_operators_and_punctuation_are_just_words():
    tenant = f.tenant()
    store(tenant, "Quotes", 'She said "hello" (twice) AND left - NEAR the door*.')
    assert search.search(tenant, '"hello" OR (NEAR) AND -door* ^', 10)[0].title == "Quotes"
    assert search.search(tenant, "!!! ***", 10) == []


def _seed(client_tenant_slug="acme"):
    owner = f.user()
    tenant = f.tenant(client_tenant_slug, owner=owner)
    other = f.tenant()
    store(tenant, "Welcome", "Welcome to the acme knowledge base.")
    store(other, "Welcome", "Welcome to the other knowledge base.")
    return owner, tenant, other


def test_api_search_names_the_tenant_by_header_or_query(client):
    _owner, tenant, _other = _seed()
    key = f.api_key(tenant, "viewer")
    by_header = client.get("/api/v1/rag/search?query=welcome&limit=5",
                           headers={"Authorization": f"Bearer {key}", "X-Tenant-ID": tenant.slug})
    by_query = client.get(f"/api/v1/rag/search?query=welcome&tenant_id={tenant.id}",
                          headers={"Authorization": f"Bearer {key}"})
    for response in (by_header, by_query):
        assert response.status_code == 200
        results = response.get_json()["results"]
        assert len(results) == 1 and "acme" in results[0]["snippet"]
        assert set(results[0]) == {"document_id", "title", "position", "snippet", "score"}


@pytest.mark.app_config(TENANT_BASE_DOMAIN="portal.test")
def test_api_search_names_the_tenant_by_subdomain(client):
    _owner, tenant, _other = _seed()
    key = f.api_key(tenant, "viewer")
    response = client.get("/api/v1/rag/search?query=welcome", base_url="http://acme.portal.test",
                          headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert "acme" in response.get_json()["results"][0]["snippet"]


def test_api_search_names_the_tenant_by_jwt(client):
    owner, tenant, other = _seed()
    token = client.post("/api/v1/auth/token", json={"email": owner.email, "password": f.PASSWORD,
                                                    "tenant": tenant.slug}).get_json()["access_token"]
    response = client.get("/api/v1/rag/search?query=welcome", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "acme" in response.get_json()["results"][0]["snippet"]
    # The token is for acme only: naming the other tenant is a 404, not its data.
    crossed = client.get("/api/v1/rag/search?query=welcome",
                         headers={"Authorization": f"Bearer {token}", "X-Tenant-ID": other.id})
    assert crossed.status_code in (400, 404)
    assert "other knowledge base" not in crossed.get_data(as_text=True)


def test_each_search_call_is_metered(client):
    _owner, tenant, _other = _seed()
    key = f.api_key(tenant, "viewer")
    first = client.get("/api/v1/rag/search?query=welcome", headers={"Authorization": f"Bearer {key}"})
    second = client.get("/api/v1/rag/search?query=welcome", headers={"Authorization": f"Bearer {key}"})
    assert int(first.headers["X-Quota-Remaining"]) - int(second.headers["X-Quota-Remaining"]) == 1


def test_an_empty_limit_is_refused_not_taken_for_the_default(app):
    """`?limit=` is a limit that is not a number (the contract fuzzing found it accepted)."""
    from app.services import search
    from app.services.errors import ValidationError

    with pytest.raises(ValidationError) as exc:
        search.validate_query("onboarding", "")
    assert exc.value.field == "limit"
    assert search.validate_query("onboarding", None) == ("onboarding", search.DEFAULT_LIMIT)


@pytest.mark.postgres
def test_row_isolated_search_reads_the_full_text_index_under_row_security():
    """Row-level security may use an index only for a leakproof match operator: without it every search
    reads all the tenant's passages (ddl.search_index_statements)."""
    from app.extensions import db
    from app.workspace.sessions import tenant_plane

    tenant = tenant_on("row")
    store(tenant, "Travel policy", "Book economy class.")
    # One long document: hundreds of passages, none of which says the word searched for.
    paragraph = "The meeting discussed the budget, the hiring plan and the office move. " * 10
    store(tenant, "Minutes", "\n\n".join(f"{number}. {paragraph}" for number in range(400)))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
        admin.exec_driver_sql("ANALYZE document_passages")
    with tenant_plane(tenant) as ws:
        connection = ws.connection()
        # A table this small is cheapest to scan: forbid that; of the two indexes the planner would now
        # rather read the one word's entry in the full-text index than all the tenant's rows, if it may.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        statement = search._postgresql("travel", ["travel"], 10).compile(
            dialect=connection.dialect, compile_kwargs={"literal_binds": True})
        plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}"))
    assert "ix_document_passages_search_vector" in plan, plan
