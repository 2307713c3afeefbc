"""Settings -> Data export in the browser: request, progress polled while it builds, download, history."""

from __future__ import annotations

import io
import re
import zipfile

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, DataExport
from tests import factories
from tests.billing.test_read_only_access import read_only_tenant
from tests.conftest import csrf_token, login


def _page(world) -> str:
    return f"/t/{world.tenant.slug}/settings/exports"


def test_owner_requests_an_export_and_downloads_it(client, world):
    login(client, world.users["owner"])
    page = client.get(_page(world))
    assert page.status_code == 200 and 'data-testid="export-request"' in page.get_data(as_text=True)
    answer = client.post(_page(world), data={"csrf_token": csrf_token(client, _page(world))})
    assert answer.status_code == 302

    html = client.get(_page(world)).get_data(as_text=True)
    link = re.search(r'data-testid="export-download" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert 'hx-trigger="every 2s"' not in html  # done: no more polling
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert "roles.json" in zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.tenant_id == world.tenant.id,
                                                                 AuditEvent.action.like("export.%")))
    assert sorted(actions) == ["export.downloaded", "export.requested"]


def test_the_region_polls_every_two_seconds_while_the_export_is_queued(client, world, server_app, monkeypatch):
    monkeypatch.setitem(server_app.extensions, "jobs.backend", lambda app, job_id, name: None)
    login(client, world.users["owner"])
    token = csrf_token(client, _page(world))
    answer = client.post(_page(world), data={"csrf_token": token}, headers={"HX-Request": "true"})
    region = answer.get_data(as_text=True)
    assert answer.status_code == 200 and region.lstrip().startswith('<div id="exports-region"')
    assert 'hx-trigger="every 2s"' in region and 'data-testid="export-request"' not in region
    polled = client.get(_page(world), headers={"HX-Request": "true"})
    assert "<html" not in polled.get_data(as_text=True) and 'hx-trigger="every 2s"' in polled.get_data(as_text=True)


def test_without_the_csrf_token_nothing_is_requested(client, world):
    login(client, world.users["owner"])
    client.post(_page(world), data={})
    assert db.session.scalar(select(DataExport.id).where(DataExport.tenant_id == world.tenant.id)) is None


def test_an_admin_gets_403_and_sees_no_menu_entry(client, world):
    login(client, world.users["admin"])
    assert client.get(_page(world)).status_code == 403
    assert client.post(_page(world), data={"csrf_token": csrf_token(client, f"/t/{world.tenant.slug}/members")}
                       ).status_code == 403
    assert "settings/exports" not in client.get(f"/t/{world.tenant.slug}/members").get_data(as_text=True)


def test_an_owner_of_another_tenant_gets_404(client, world):
    stranger = factories.member(world.other, "owner")
    login(client, stranger)
    assert client.get(_page(world)).status_code == 404


def test_an_owner_of_a_read_only_tenant_can_still_export(client):
    tenant = read_only_tenant("frozen")
    owner = factories.member(tenant, "owner")
    login(client, owner)
    page = f"/t/{tenant.slug}/settings/exports"
    assert client.post(page, data={"csrf_token": csrf_token(client, page)}).status_code == 302
    assert db.session.scalar(select(DataExport.status).where(DataExport.tenant_id == tenant.id)) == "done"
