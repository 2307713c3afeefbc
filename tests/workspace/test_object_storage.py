"""One storage interface, two backends: the local directory and S3 (a real S3-protocol server, moto).

Each test runs against both: per-tenant prefixes, traversal protection, streaming writes,
quota accounting of documents, and deletion at purge.
"""

from __future__ import annotations

import io
import os

import pytest

from app.services import documents, quotas, storage, tenants
from app.services.authority import Authority
from app.services.errors import StorageQuotaExceeded
from tests import factories as f

SYSTEM = Authority.system()


@pytest.fixture(params=["local", "s3"])
def backend(request, app):
    """The storage backend under test, as the app sees it; `names()` lists what is physically stored."""
    if request.param == "s3":
        server, bucket = request.getfixturevalue("s3_server"), request.getfixturevalue("s3_bucket")
        app.config.update(STORAGE_URL=f"s3://{bucket}/files", S3_ENDPOINT_URL=server.endpoint_url)
        assert isinstance(storage.backend(), storage.S3Storage)
        return lambda: server.object_names(bucket)
    root = request.getfixturevalue("tmp_path") / "files"
    app.config.update(STORAGE_URL=None, STORAGE_DIR=str(root))
    return lambda: sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_each_tenant_has_its_own_prefix(app, backend):
    first, second = f.tenant(), f.tenant()
    storage.write(first.id, "documents", "doc_1", b"one")
    storage.write(second.id, "documents", "doc_1", b"two")
    assert storage.read(first.id, "documents", "doc_1") == b"one"
    assert storage.read(second.id, "documents", "doc_1") == b"two"
    assert storage.keys_of(first.id) == ["documents/doc_1"]
    prefix = "files/" if isinstance(storage.backend(), storage.S3Storage) else ""
    assert backend() == sorted([f"{prefix}{first.id}/documents/doc_1", f"{prefix}{second.id}/documents/doc_1"])


@pytest.mark.parametrize("name", ["../escape", "..", "/etc/passwd", "a/b", "a\\b", "nul\x00byte", "", ".hidden",
                                  "x" * 200, "%2e%2e"])
def test_traversal_and_odd_names_are_refused_everywhere(app, backend, name):
    tenant = f.tenant()
    for call in (lambda: storage.write(tenant.id, "documents", name, b"data"),
                 lambda: storage.write(tenant.id, name, "doc_1", b"data"),
                 lambda: storage.read(tenant.id, "documents", name),
                 lambda: storage.delete(tenant.id, "documents", name),
                 lambda: storage.write(name, "documents", "doc_1", b"data")):
        with pytest.raises(storage.UnsafePath):
            call()
    assert backend() == []


class Chunks(io.RawIOBase):
    """A stream of `size` bytes that remembers the largest read asked of it (proves chunked copying)."""

    def __init__(self, size: int) -> None:
        self.left, self.largest_read = size, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        assert n is not None and n > 0, "the whole stream was asked for at once"
        self.largest_read = max(self.largest_read, n)
        chunk = min(n, self.left)
        self.left -= chunk
        return b"x" * chunk


def test_a_stream_is_written_in_chunks_never_read_whole(app, backend):
    tenant = f.tenant()
    size = 20 * 1024 * 1024
    stream = Chunks(size)
    assert storage.write(tenant.id, "exports", "big", stream) == size
    assert stream.largest_read <= 8 * 1024 * 1024  # S3: 8 MiB multipart parts; disk: 1 MiB copies
    with storage.open_file(tenant.id, "exports", "big") as handle:
        assert len(handle.read(1024)) == 1024
    assert len(storage.read(tenant.id, "exports", "big")) == size


def test_documents_count_against_the_storage_quota_and_free_it_on_delete(app, backend):
    tenant = f.tenant()
    quotas.set_custom_limits(tenant, {"storage": 10}, SYSTEM)
    doc = documents.create_document(tenant, SYSTEM, documents.Upload(title="Notes", content="12345678"))
    assert tenant.storage_used_bytes == 8
    assert documents.read_content(tenant, doc) == "12345678"
    with pytest.raises(StorageQuotaExceeded):
        documents.create_document(tenant, SYSTEM, documents.Upload(title="Too much", content="123"))
    assert storage.keys_of(tenant.id) == [f"documents/{doc.id}"]  # the refused one left nothing
    documents.delete_document(tenant, doc.id, SYSTEM)
    assert tenant.storage_used_bytes == 0
    assert backend() == []


def test_a_purged_tenant_leaves_no_file_and_others_keep_theirs(app, backend):
    doomed, neighbour = f.tenant(), f.tenant()
    for n in range(3):
        documents.create_document(doomed, SYSTEM, documents.Upload(title=f"Doc {n}", content="text"))
    kept = documents.create_document(neighbour, SYSTEM, documents.Upload(title="Mine", content="stay"))
    doomed_id = doomed.id
    tenants.soft_delete(doomed, SYSTEM)
    tenants.purge(doomed, SYSTEM)
    assert storage.keys_of(doomed_id) == []
    assert [name.rsplit("/", 1)[-1] for name in backend()] == [kept.id]


def test_a_missing_object_reads_as_not_found(app, backend):
    tenant = f.tenant()
    with pytest.raises(FileNotFoundError):
        storage.read(tenant.id, "documents", "doc_missing")


def test_storage_url_must_name_a_known_scheme(app):
    for url in ("ftp://host/x", "s3://"):
        with pytest.raises(RuntimeError, match="STORAGE_URL"):
            storage.storage_from_config({"STORAGE_URL": url, "STORAGE_DIR": os.devnull})
