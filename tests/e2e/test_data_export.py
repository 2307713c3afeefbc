"""Data export in the browser: an owner asks for the zip, the page shows it ready, the download is the zip."""

from __future__ import annotations

import zipfile

from sqlalchemy import select

from app.extensions import db
from app.jobs.runner import run_job
from app.models import Job
from tests import factories as f
from tests.e2e.conftest import check_page, sign_in


def test_owner_requests_an_export_and_downloads_the_zip(page, live_server, monkeypatch):
    owner = f.user("owner@export.test", name="Olga Owner")
    tenant = f.tenant("exportco", owner=owner, name="Export Co")
    f.member(tenant, "admin", f.user("admin@export.test", name="Ada Admin"))
    sign_in(page, "owner@export.test", lands="**/t/**")

    page.goto("/t/exportco/settings/exports")
    check_page(page, "data-export-empty")
    # No worker yet: the export waits in the queue and the page shows its progress bar, polling.
    monkeypatch.setitem(live_server.server.app.extensions, "jobs.backend", lambda app, job_id, name: None)
    page.get_by_test_id("export-request").click()
    page.get_by_role("progressbar").wait_for()
    check_page(page, "data-export-queued")
    job_id = db.session.scalar(select(Job.id).where(Job.name == "exports.build"))
    run_job(job_id)  # the worker builds it; the region's next poll shows the link
    page.get_by_test_id("export-download").wait_for()
    check_page(page, "data-export-ready")
    with page.expect_download() as download:
        page.get_by_test_id("export-download").click()
    assert download.value.suggested_filename.startswith("exportco-export-")
    with zipfile.ZipFile(download.value.path()) as archive:
        names = set(archive.namelist())
        assert {"organisation.json", "members.csv", "roles.json", "audit_log.json"} <= names
        assert "admin@export.test" in archive.read("members.json").decode()
