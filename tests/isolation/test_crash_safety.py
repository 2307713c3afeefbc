"""kill -9 at the dangerous points of creating a schema or database tenant: what is left is a
tenant that says so (503 `tenant_unavailable`, never a 500) and is finished by the repair job it
asks for, or by `flask tenants migrate`. The process kills itself at a named point (CRASH_AT,
app/crashpoints.py), so where it dies is exact, not timing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app import placement
from app.extensions import db
from app.models import Tenant
from app.services import documents, tenants
from app.services.audit import Actor
from app.services.authority import Authority
from tests import factories as f
from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]
DEDICATED = [pytest.param("database", id="database"),
             pytest.param("schema", id="schema", marks=pytest.mark.postgres)]
# After the tenant's commit, before its plane exists; inside the plane's transaction (tables
# created, not committed); after the plane committed, before its revision is recorded.
TENANT_CREATION_POINTS = ["tenant.committed", "placement.built_uncommitted", "placement.built"]


def run_killed_at(app, point: str, *args: str) -> None:
    """Run the crash runner with CRASH_AT=point and check it died of SIGKILL there."""
    env = dict(os.environ, CRASH_AT=point, CRASH_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               TENANT_DATABASE_DIR=app.config["TENANT_DATABASE_DIR"], STORAGE_DIR=app.config["STORAGE_DIR"])
    env.pop("TEST_CLOCK", None)
    db.session.remove()  # the runner needs the database to itself on SQLite
    done = subprocess.run([sys.executable, "-m", "tests.isolation.crash_runner", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr[-3000:]
    assert "finished" not in done.stdout


@pytest.mark.parametrize("point", TENANT_CREATION_POINTS)
@pytest.mark.parametrize("strategy", DEDICATED)
def test_a_tenant_killed_while_being_created_answers_503_and_is_repaired(client, app, strategy, point):
    slug = f"crash-{strategy[:3]}"
    run_killed_at(app, point, "create-tenant", slug, strategy)

    tenant = tenants.get_tenant(slug)
    assert not placement.is_ready(tenant)
    owner = db.session.get(Tenant, tenant.id).owner
    key = f.api_key(tenant, "member")
    login(client, owner)

    page = client.get(f"/t/{slug}/knowledge")
    assert page.status_code == 503
    assert "Crash Co is being set up" in page.get_data(as_text=True)
    assert page.headers["Retry-After"] == "30"
    # That request asked for the repair (run inline here, by a worker in production).
    api = client.get("/api/v1/documents", headers={"Authorization": f"Bearer {key}"})
    assert api.status_code == 200, api.get_json()
    assert api.get_json()["meta"]["total"] == 0

    created = client.post("/api/v1/documents", json={"title": "After the crash", "content": "Recovered."},
                          headers={"Authorization": f"Bearer {key}"})
    assert created.status_code == 201, created.get_json()
    db.session.expire_all()
    assert placement.is_ready(db.session.get(Tenant, tenant.id))


@pytest.mark.parametrize("strategy", DEDICATED)
def test_the_api_answers_the_envelope_and_tenants_migrate_finishes_the_tenant(client, app, runner, strategy):
    slug = f"crash-mig-{strategy[:3]}"
    run_killed_at(app, "tenant.committed", "create-tenant", slug, strategy)
    tenant = tenants.get_tenant(slug)
    key = f.api_key(tenant, "member")
    # No worker runs the repair job it asks for (the workers are down, say): it stays a 503.
    client.application.extensions["jobs.backend"] = lambda app, job_id, name: None

    refused = client.get("/api/v1/documents", headers={"Authorization": f"Bearer {key}"})
    assert refused.status_code == 503
    assert refused.get_json()["error"]["code"] == "tenant_unavailable"
    assert refused.headers["Retry-After"] == "30"

    result = runner.invoke(args=["tenants", "migrate"])
    assert result.exit_code == 0, result.output
    assert "1 upgraded" in result.output
    assert client.get("/api/v1/documents", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    db.session.expire_all()
    documents.create_document(db.session.get(Tenant, tenant.id), Actor.cli(),
                              documents.Upload(title="Fine", content="Works."))


def test_a_document_killed_between_the_two_commits_gets_its_audit_event_and_counter_back(client, app, runner):
    """Issue 9, finding 10 (uploads): a database tenant's document row commits in its own database
    before the control plane's audit event and storage counter. A kill -9 between the two leaves a
    document nobody audited and the counter short; `flask tenants reconcile` (and the periodic
    `documents.reconcile` job) writes the event, marked reconciled, and recounts the storage."""
    from app.models import AuditEvent

    owner = f.user("owner@crashdoc.test")
    tenant = tenants.create_tenant("Crash Docs", "crash-doc", owner.email, "free", Authority.system(),
                                   isolation_strategy="database")
    tenant_id = tenant.id
    run_killed_at(app, "document.tenant_plane_committed", "upload-document", "crash-doc")

    db.session.expire_all()
    stored = documents.list_documents(db.session.get(Tenant, tenant_id)).items
    assert [d.title for d in stored] == ["Cut short"]  # the row survived in the tenant's database
    events = AuditEvent.query.filter_by(tenant_id=tenant_id, action="document.created").all()
    assert events == [] and db.session.get(Tenant, tenant_id).storage_used_bytes == 0

    result = runner.invoke(args=["tenants", "reconcile"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    event = AuditEvent.query.filter_by(tenant_id=tenant_id, action="document.created").one()
    assert event.target_id == stored[0].id and event.details["reconciled"] is True
    assert db.session.get(Tenant, tenant_id).storage_used_bytes == stored[0].size_bytes > 0
    # Running it again changes nothing.
    assert runner.invoke(args=["tenants", "reconcile"]).exit_code == 0
    assert AuditEvent.query.filter_by(tenant_id=tenant_id, action="document.created").count() == 1
