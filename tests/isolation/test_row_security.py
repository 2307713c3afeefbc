"""The walls themselves: the tenant-plane session's filter and stamp, PostgreSQL row-level security
as the app role, and pooled connections that carry no tenant, role or schema into the next request."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from app.extensions import db
from app.services import documents
from app.services.audit import Actor
from app.workspace.ddl import APP_ROLE
from app.workspace.models import Document, DocumentPassage
from app.workspace.sessions import TenantPlaneError, TenantPlaneSession, tenant_plane
from tests import factories as f
from tests.isolation.support import tenant_on

SYSTEM = Actor.system()


def two_tenants(strategy: str = "row"):
    a, b = tenant_on(strategy), tenant_on(strategy)
    for tenant, word in ((a, "alpha"), (b, "bravo")):
        documents.create_document(tenant, SYSTEM, documents.Upload(title="Plan", content=f"The {word} plan."))
    return a, b


def test_orm_queries_see_only_the_sessions_tenant(app, strategy):
    a, b = two_tenants(strategy)
    with tenant_plane(a) as ws:
        titles = [(d.tenant_id, d.title) for d in ws.scalars(select(Document))]
        passages = ws.scalars(select(DocumentPassage.content)).all()
        changed = ws.execute(update(Document).values(title="Renamed")).rowcount
    assert titles == [(a.id, "Plan")]
    assert passages == ["The alpha plan."]
    assert changed == 1
    with tenant_plane(b) as ws:
        assert ws.scalars(select(Document.title)).all() == ["Plan"]


def test_a_session_without_a_tenant_refuses_to_run(app):
    session = TenantPlaneSession(bind=db.engine)
    with pytest.raises(TenantPlaneError):
        session.execute(select(Document))
    session.close()


def test_textual_sql_is_refused_in_the_tenant_plane(app):
    tenant = f.tenant()
    with pytest.raises(TenantPlaneError), tenant_plane(tenant) as ws:
        ws.execute(text("SELECT * FROM documents"))


def test_a_row_naming_another_tenant_cannot_be_written(app, strategy):
    a, b = two_tenants(strategy)
    other_id = b.id  # read before entering: inside, the control plane is out of reach
    with pytest.raises(TenantPlaneError), tenant_plane(a) as ws:
        ws.add(Document(tenant_id=other_id, title="Smuggled", content_type="text/plain", size_bytes=1,
                        storage_key="x", uploader_label="x"))
    db.session.rollback()
    with tenant_plane(b) as ws:
        assert ws.scalars(select(Document.title)).all() == ["Plan"]


# PostgreSQL: row-level security as the second wall ------------------------------------------------


@pytest.mark.postgres
def test_raw_sql_without_the_filter_as_the_app_role_returns_only_the_set_tenant(app):
    a, b = two_tenants()
    with db.engine.connect() as conn, conn.begin():
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": a.id})
        conn.exec_driver_sql(f"SET LOCAL ROLE {APP_ROLE}")
        rows = conn.execute(text("SELECT tenant_id, title FROM documents")).all()
        passages = conn.execute(text("SELECT content FROM document_passages")).scalars().all()
        assert rows == [(a.id, "Plan")]
        assert passages == ["The alpha plan."]
        # Writing into B is refused by the policy's WITH CHECK, and B's rows cannot be touched.
        touched = conn.execute(text("UPDATE documents SET title = 'x' WHERE tenant_id = :b"), {"b": b.id}).rowcount
        assert touched == 0
    with db.engine.connect() as conn, conn.begin():
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": a.id})
        conn.exec_driver_sql(f"SET LOCAL ROLE {APP_ROLE}")
        with pytest.raises(Exception, match="row-level security"):
            conn.execute(text("INSERT INTO documents (tenant_id, id, title, tags, content_type, size_bytes, "
                              "storage_key, uploader_label, created_at) VALUES (:b, 'doc_0', 't', '[]', "
                              "'text/plain', 1, 'k', 'x', now())"), {"b": b.id})


@pytest.mark.postgres
def test_the_app_role_owns_nothing_and_cannot_bypass(app):
    with db.engine.connect() as conn:
        role = conn.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"),
                            {"r": APP_ROLE}).one()
        owned = conn.execute(text("SELECT count(*) FROM pg_tables WHERE tableowner = :r"), {"r": APP_ROLE}).scalar()
        forced = conn.execute(text("SELECT relname FROM pg_class WHERE relforcerowsecurity AND relrowsecurity "
                                   "AND relname IN ('documents', 'document_passages') ORDER BY relname")).scalars()
        assert tuple(role) == (False, False)
        assert owned == 0
        assert list(forced) == ["document_passages", "documents"]
        conn.rollback()
        with conn.begin():
            conn.exec_driver_sql(f"SET LOCAL ROLE {APP_ROLE}")
            with pytest.raises(Exception, match="permission denied"):
                conn.execute(text("SELECT count(*) FROM tenants"))


@pytest.mark.postgres
def test_no_tenant_set_means_no_rows_even_on_a_connection_that_had_one(app):
    two_tenants()
    with db.engine.connect() as conn:
        with conn.begin():
            conn.execute(text("SELECT set_config('app.tenant_id', (SELECT min(tenant_id) FROM documents), true)"))
            conn.exec_driver_sql(f"SET LOCAL ROLE {APP_ROLE}")
            assert conn.execute(text("SELECT count(*) FROM documents")).scalar() == 1
        # Same connection, next transaction: the setting and the role ended with the last one.
        with conn.begin():
            assert conn.execute(text("SELECT current_user")).scalar() != APP_ROLE
            conn.exec_driver_sql(f"SET LOCAL ROLE {APP_ROLE}")
            assert conn.execute(text("SELECT count(*) FROM documents")).scalar() == 0


@pytest.mark.postgres
def test_the_policy_column_is_served_by_an_index(app):
    tenant, _ = two_tenants()
    with db.engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": tenant.id})
        conn.exec_driver_sql(f"SET LOCAL ROLE {APP_ROLE}")
        plan = "\n".join(conn.execute(text("EXPLAIN SELECT * FROM documents")).scalars())
    assert "Index" in plan and "tenant_id" in plan


@pytest.mark.postgres
@pytest.mark.parametrize("strategy", ["row", "schema"])
def test_pooled_connections_carry_no_tenant_role_or_schema_between_requests(app, server_app, client, strategy):
    tenant = tenant_on(strategy)
    key = f.api_key(tenant, "member")
    headers = {"Authorization": f"Bearer {key}"}
    created = client.post("/api/v1/documents", json={"title": "Pool", "content": "Pooled text."}, headers=headers)
    assert created.status_code == 201
    assert client.get("/api/v1/rag/search?query=pooled", headers=headers).get_json()["results"]
    with server_app.app_context():
        engine = db.engine
        # The pool holds the connections those requests used; each must come back clean.
        for _ in range(engine.pool.checkedin() or 1):
            with engine.connect() as conn:
                state = conn.execute(text("SELECT current_user, current_setting('app.tenant_id', true), "
                                          "current_setting('search_path')")).one()
                assert state[0] != APP_ROLE
                assert state[1] in (None, "")
                assert "tenant_" not in state[2]
