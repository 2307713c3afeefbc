"""The knowledge base through the JSON API, on every isolation strategy: store, list, read, delete, quota."""

from __future__ import annotations

import io

import pytest

from app.extensions import db
from app.models import Tenant
from app.services import quotas, storage
from app.services.audit import Actor
from tests import factories as f
from tests.isolation.support import tenant_on


def bearer(secret: str, tenant: Tenant | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {secret}"}
    if tenant is not None:
        headers["X-Tenant-ID"] = tenant.id
    return headers


def paste(client, secret, tenant, title="Handbook", content="Welcome aboard.", tags=None):
    body = {"title": title, "content": content}
    if tags is not None:
        body["tags"] = tags
    return client.post("/api/v1/documents", json=body, headers=bearer(secret, tenant))


def used_bytes(tenant: Tenant) -> int:
    db.session.expire_all()
    return db.session.get(Tenant, tenant.id).storage_used_bytes


def test_member_pastes_a_document_and_reads_it_back(client, strategy):
    tenant = tenant_on(strategy)
    key = f.api_key(tenant, "member", name="test key")

    created = paste(client, key, tenant, "Onboarding", "# Welcome\n\nAsk Dana for a laptop.", ["HR", "hr", "new"])
    assert created.status_code == 201, created.get_json()
    document = created.get_json()
    assert document["title"] == "Onboarding"
    assert document["tags"] == ["hr", "new"]
    assert document["size_bytes"] == len("# Welcome\n\nAsk Dana for a laptop.")
    assert document["uploader"]["label"] == "api-key:test key"

    listed = client.get("/api/v1/documents", headers=bearer(key, tenant)).get_json()
    assert [d["id"] for d in listed["items"]] == [document["id"]]
    assert listed["meta"]["total"] == 1

    read = client.get(f"/api/v1/documents/{document['id']}", headers=bearer(key, tenant)).get_json()
    assert read["content"] == "# Welcome\n\nAsk Dana for a laptop."
    assert used_bytes(tenant) == document["size_bytes"]


def test_markdown_file_upload_keeps_a_safe_display_name(client, strategy):
    tenant = tenant_on(strategy)
    key = f.api_key(tenant, "member")
    data = {"file": (io.BytesIO(b"# Release notes\n\nVersion 2 ships search."), "../../etc/notes.md"),
            "tags": "release, docs"}
    response = client.post("/api/v1/documents", data=data, headers=bearer(key, tenant),
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["filename"] == "notes.md"
    assert body["title"] == "notes"
    assert body["content_type"] == "text/markdown"
    assert body["tags"] == ["release", "docs"]
    stored = storage.files_of(tenant.id)
    assert [p.name for p in stored] == [body["id"]]
    assert all(p.is_relative_to(storage.tenant_directory(tenant.id)) for p in stored)


@pytest.mark.parametrize("filename,content", [("photo.png", b"\x89PNG\r\n"), ("notes.txt", b"\xff\xfe\x00binary")])
def test_binary_or_foreign_files_are_refused_and_leave_nothing(client, filename, content):
    tenant = f.tenant()
    key = f.api_key(tenant, "member")
    response = client.post("/api/v1/documents", data={"file": (io.BytesIO(content), filename)},
                           headers=bearer(key, tenant), content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["fields"].keys() == {"file"}
    assert storage.files_of(tenant.id) == []
    assert used_bytes(tenant) == 0


def test_viewer_reads_and_searches_but_cannot_upload(client):
    tenant = f.tenant()
    member, viewer = f.api_key(tenant, "member"), f.api_key(tenant, "viewer")
    paste(client, member, tenant, "Security policy", "Rotate keys every quarter.")

    assert paste(client, viewer, tenant).status_code == 403
    assert client.get("/api/v1/documents", headers=bearer(viewer, tenant)).get_json()["meta"]["total"] == 1
    found = client.get("/api/v1/rag/search?query=rotate", headers=bearer(viewer, tenant)).get_json()
    assert [r["title"] for r in found["results"]] == ["Security policy"]


def test_members_delete_their_own_documents_only_admins_delete_anyones(client, strategy):
    tenant = tenant_on(strategy)
    alice, bob, admin = (f.api_key(tenant, "member", name=n) for n in ("alice", "bob", "boss"))
    admin = f.api_key(tenant, "admin", name="admin")
    doc_id = paste(client, alice, tenant, "Alice's notes", "Alice writes here.").get_json()["id"]

    refused = client.delete(f"/api/v1/documents/{doc_id}", headers=bearer(bob, tenant))
    assert refused.status_code == 403
    assert client.delete(f"/api/v1/documents/{doc_id}", headers=bearer(admin, tenant)).status_code == 204
    assert client.get(f"/api/v1/documents/{doc_id}", headers=bearer(alice, tenant)).status_code == 404
    assert used_bytes(tenant) == 0
    assert storage.files_of(tenant.id) == []


def test_quota_at_the_limit_fits_and_one_byte_past_is_refused_leaving_nothing(client, strategy):
    tenant = tenant_on(strategy)
    quotas.set_custom_limits(tenant, {"storage": 100}, Actor.system())
    key = f.api_key(tenant, "member")

    assert paste(client, key, tenant, "Sixty", "x" * 60).status_code == 201
    assert paste(client, key, tenant, "Forty", "y" * 40).status_code == 201
    assert used_bytes(tenant) == 100

    refused = paste(client, key, tenant, "One more byte", "z")
    assert refused.status_code == 413
    assert refused.get_json()["error"]["code"] == "storage_quota_exceeded"
    assert used_bytes(tenant) == 100
    assert len(storage.files_of(tenant.id)) == 2
    titles = [d["title"] for d in client.get("/api/v1/documents", headers=bearer(key, tenant)).get_json()["items"]]
    assert sorted(titles) == ["Forty", "Sixty"]
    assert client.get("/api/v1/rag/search?query=z", headers=bearer(key, tenant)).get_json()["results"] == []


def test_deleting_gives_the_bytes_back_so_the_next_upload_fits(client):
    tenant = f.tenant()
    quotas.set_custom_limits(tenant, {"storage": 10}, Actor.system())
    key = f.api_key(tenant, "member")
    doc_id = paste(client, key, tenant, "Ten", "0123456789").get_json()["id"]
    assert paste(client, key, tenant, "Eleventh", "a").status_code == 413
    assert client.delete(f"/api/v1/documents/{doc_id}", headers=bearer(key, tenant)).status_code == 204
    assert paste(client, key, tenant, "Now it fits", "a").status_code == 201


@pytest.mark.parametrize("body,field", [
    ({"title": "", "content": "x"}, "title"),
    ({"title": "t" * 201, "content": "x"}, "title"),
    ({"title": "Tags", "content": "x", "tags": "not-a-list"}, "tags"),
    ({"title": "Blank", "content": "   "}, "content"),
])
def test_invalid_documents_name_the_field(client, body, field):
    tenant = f.tenant()
    key = f.api_key(tenant, "member")
    response = client.post("/api/v1/documents", json=body, headers=bearer(key, tenant))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["fields"]


def test_a_key_of_another_tenant_gets_404_for_documents_and_search(client):
    tenant, other = f.tenant(), f.tenant()
    doc_id = paste(client, f.api_key(tenant, "member"), tenant, "Private", "Secret plans.").get_json()["id"]
    outsider = f.api_key(other, "owner")
    assert client.get("/api/v1/documents", headers=bearer(outsider, tenant)).status_code == 404
    assert client.get(f"/api/v1/documents/{doc_id}", headers=bearer(outsider, tenant)).status_code == 404
    assert client.get("/api/v1/rag/search?query=secret", headers=bearer(outsider, tenant)).status_code == 404
    # In its own tenant, the id is simply unknown.
    assert client.get(f"/api/v1/documents/{doc_id}", headers=bearer(outsider)).status_code == 404
    assert client.delete(f"/api/v1/documents/{doc_id}", headers=bearer(outsider)).status_code == 404
