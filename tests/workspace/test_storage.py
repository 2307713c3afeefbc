"""File storage: each tenant under its own directory, names never trusted, nothing left by a refusal."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models import Tenant
from app.placement import database
from app.services import documents, quotas, storage
from app.services.audit import Actor
from app.services.errors import StorageQuotaExceeded
from tests import factories as f
from tests.isolation.support import tenant_on

SYSTEM = Actor.system()


@pytest.mark.parametrize("name", ["../escape", "..", "/etc/passwd", "a/b", "a\\b", "nul\x00byte", "", ".hidden",
                                  "x" * 200, "../../" + "etc"])
def test_traversal_and_odd_names_are_refused(app, name):
    tenant = f.tenant()
    with pytest.raises(storage.UnsafePath):
        storage.path_for(tenant.id, "documents", name)
    with pytest.raises(storage.UnsafePath):
        storage.write(tenant.id, "documents", name, b"data")
    assert storage.files_of(tenant.id) == []


def test_a_tenant_id_cannot_point_outside_the_storage_root(app):
    for tenant_id in ("../other", "/abs", "a\x00b"):
        with pytest.raises(storage.UnsafePath):
            storage.tenant_directory(tenant_id)


def test_files_of_two_tenants_live_apart(app):
    first, second = f.tenant(), f.tenant()
    storage.write(first.id, "documents", "doc_1", b"one")
    storage.write(second.id, "documents", "doc_1", b"two")
    assert storage.read(first.id, "documents", "doc_1") == b"one"
    assert storage.read(second.id, "documents", "doc_1") == b"two"
    assert storage.path_for(first.id, "documents", "doc_1").parent.parent.name == first.id


@pytest.mark.parametrize("name,shown", [("../../etc/passwd.md", "passwd.md"), ("C:\\Users\\me\\notes.txt", "notes.txt"),
                                        ("evil\x00.md", "evil.md"), ("/abs/path/readme.md", "readme.md"),
                                        ("..", None)])
def test_uploaded_file_names_are_only_shown_never_used_as_paths(app, name, shown):
    assert storage.display_filename(name) == shown


def test_an_upload_with_a_hostile_name_is_stored_under_a_generated_key(app):
    tenant = f.tenant()
    doc = documents.create_document(tenant, SYSTEM, documents.Upload(data=b"hello", filename="../../../../tmp/pwn.md"))
    [path] = storage.files_of(tenant.id)
    assert path.name == doc.id and doc.filename == "pwn.md"
    assert path.is_relative_to(storage.tenant_directory(tenant.id))


def test_a_refused_upload_writes_no_file_and_no_row(app):
    tenant = f.tenant()
    quotas.set_custom_limits(tenant, {"storage": 5}, SYSTEM)
    with pytest.raises(StorageQuotaExceeded):
        documents.create_document(tenant, SYSTEM, documents.Upload(title="Too big", content="123456"))
    assert storage.files_of(tenant.id) == []
    assert documents.list_documents(tenant).total == 0
    assert tenant.storage_used_bytes == 0


def test_a_database_failure_after_the_file_was_written_removes_it_again(app):
    tenant = tenant_on("database")
    database.drop(tenant.id)  # its database is gone: the file is written, then the insert fails
    database.create(tenant.id)
    with pytest.raises(SQLAlchemyError):
        documents.create_document(tenant, SYSTEM, documents.Upload(title="Doomed", content="abc"))
    assert storage.files_of(tenant.id) == []
    db.session.expire_all()
    assert db.session.get(Tenant, tenant.id).storage_used_bytes == 0


def test_storage_is_removed_at_purge(app):
    from app.services import tenants

    tenant = f.tenant(status="deleted")
    tenant_id = tenant.id
    storage.write(tenant_id, "documents", "doc_x", b"bytes")
    tenants.purge(tenant, SYSTEM)
    assert not storage.tenant_directory(tenant_id).exists()
