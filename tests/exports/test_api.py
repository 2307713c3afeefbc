"""The export API: request (202), follow, list, download through the signed link; owners only, one tenant only."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine

from app.extensions import db
from app.models.types import utcnow
from app.services import exports
from tests import factories


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_owner_requests_follows_and_downloads_an_export(api, world):
    base = f"/api/v1/tenants/{world.tenant.id}/exports"
    started = api.post(base, key=world.keys["owner"])
    assert started.status_code == 202, started.get_json()
    body = started.get_json()
    assert started.headers["Location"].endswith(f"{base}/{body['id']}")

    followed = api.get(f"{base}/{body['id']}", key=world.keys["owner"]).get_json()
    assert followed["status"] == "done" and followed["progress"] == 100 and followed["download_url"]
    listed = api.get(base, key=world.keys["owner"]).get_json()
    assert [item["id"] for item in listed["items"]] == [body["id"]] and listed["meta"]["total"] == 1

    download = api.get(_path(followed["download_url"]), key=world.keys["owner"])
    assert download.status_code == 200 and download.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert {f"{part}.json" for part in exports.PARTS} <= set(names)
    assert "attachment" in download.headers["Content-Disposition"]


def test_a_second_request_while_one_is_queued_is_409(api, world, server_app, monkeypatch):
    monkeypatch.setitem(server_app.extensions, "jobs.backend", lambda app, job_id, name: None)
    base = f"/api/v1/tenants/{world.tenant.id}/exports"
    first = api.post(base, key=world.keys["owner"])
    assert first.status_code == 202 and first.get_json()["status"] == "queued"
    assert first.get_json()["download_url"] is None
    second = api.post(base, key=world.keys["owner"])
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "export_in_progress"


@pytest.mark.parametrize("who", ["admin", "member", "viewer"])
def test_below_owner_gets_403(api, world, who):
    base = f"/api/v1/tenants/{world.tenant.id}/exports"
    export = exports.request(world.tenant, _owner_authority(world))
    token = exports.sign_download(world.tenant.id, export.id)
    assert api.post(base, key=world.keys[who]).status_code == 403
    assert api.get(base, key=world.keys[who]).status_code == 403
    assert api.get(f"{base}/{export.id}", key=world.keys[who]).status_code == 403
    # A valid link is not enough: the caller must hold data.export too.
    assert api.get(f"{base}/{export.id}/download?token={token}", key=world.keys[who]).status_code == 403


def test_another_tenant_gets_404_for_the_tenant_and_for_the_export(api, world):
    export = exports.request(world.tenant, _owner_authority(world))
    assert api.post(f"/api/v1/tenants/{world.tenant.id}/exports", key=world.keys["other"]).status_code == 404
    assert api.get(f"/api/v1/tenants/{world.tenant.id}/exports/{export.id}",
                   key=world.keys["other"]).status_code == 404
    # Their own tenant, our export's id: not found either, and neither is our link.
    token = exports.sign_download(world.tenant.id, export.id)
    theirs = f"/api/v1/tenants/{world.other.id}/exports/{export.id}"
    assert api.get(theirs, key=world.keys["other"]).status_code == 404
    refused = api.get(f"{theirs}/download?token={token}", key=world.keys["other"])
    assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "export_link_invalid"


def test_an_expired_or_forged_link_is_refused(api, world):
    start = utcnow()
    with time_machine.travel(start, tick=False):
        export = exports.request(world.tenant, _owner_authority(world))
        token = exports.sign_download(world.tenant.id, export.id)
    url = f"/api/v1/tenants/{world.tenant.id}/exports/{export.id}/download"
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert api.get(f"{url}?token={token}", key=world.keys["owner"]).status_code == 200
        forged = api.get(f"{url}?token={token[:-3]}xyz", key=world.keys["owner"])
        assert forged.status_code == 404
        other_export = api.get(f"/api/v1/tenants/{world.tenant.id}/exports/{export.id + 1}/download?token={token}",
                               key=world.keys["owner"])
        assert other_export.status_code == 404
    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        expired = api.get(f"{url}?token={token}", key=world.keys["owner"])
        assert expired.status_code == 404 and expired.get_json()["error"]["code"] == "export_link_invalid"
        assert api.get(f"/api/v1/tenants/{world.tenant.id}/exports/{export.id}",
                       key=world.keys["owner"]).get_json()["download_url"] is None


def test_a_read_only_tenant_may_still_export(api, world):
    from tests.billing.test_read_only_access import read_only_tenant

    tenant = read_only_tenant("frozen")
    key = factories.api_key(tenant, "owner")
    # A write elsewhere is refused, the export is not.
    assert api.post(f"/api/v1/tenants/{tenant.id}/invitations", key=key,
                    json={"email": "x@example.test", "role": "member"}).status_code == 403
    started = api.post(f"/api/v1/tenants/{tenant.id}/exports", key=key)
    assert started.status_code == 202, started.get_json()
    db.session.expire_all()
    assert exports.get_export(tenant, started.get_json()["id"]).status == "done"


def _owner_authority(world):
    from app.services.audit import Actor
    from app.services.authority import Authority

    owner = world.users["owner"]
    return Authority.member(Actor(user_id=owner.id, label=owner.email), world.tenant, "owner")
