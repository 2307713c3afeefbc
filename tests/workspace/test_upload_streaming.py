"""Uploads are bounded: a body past MAX_CONTENT_LENGTH is refused with 413 before it is read, and an
allowed file is checked, stored and split while it is read in chunks, never held whole (issue 9,
finding 9: a 200 MB upload used to add 381 MB to the worker)."""

from __future__ import annotations

import io

import pytest

from app.extensions import db
from app.models import Tenant
from app.services import documents, storage
from tests import factories as f
from tests.conftest import csrf_token
from tests.isolation.support import tenant_on

MIB = 1024 * 1024
SMALL_DOCUMENT_LIMIT = 64 * 1024  # MAX_CONTENT_LENGTH is then 1 MiB + 64 KiB


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def stored_nothing(tenant: Tenant) -> bool:
    db.session.expire_all()
    fresh = db.session.get(Tenant, tenant.id)
    return (documents.list_documents(fresh).total == 0 and fresh.storage_used_bytes == 0
            and storage.keys_of(tenant.id) == [])


SAMPLE = ("\ufeff# Über uns\n\nWir bauen Brücken — 橋 — and ünïcödé paragraphs.\n\n  \n\n"
          + "A long paragraph of words " * 120 + "\n\n" + "\n".join(f"line {n} ñ" for n in range(300))
          + "\n\n\n" + "x" * 2500 + "\n\nThe end.")


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 64, 1000, MIB])
def test_passages_read_in_chunks_are_the_passages_of_the_whole_text(chunk_size):
    raw = SAMPLE.encode("utf-8")
    streamed = list(documents._passages(documents.stream_paragraphs(io.BytesIO(raw), chunk_size=chunk_size)))
    assert streamed == documents.split_passages(documents.decode_text(raw))


@pytest.mark.parametrize("bad", [b"\xff\xfe", b"\x00", b"\xe2\x82"])  # not UTF-8, a NUL, cut short at the end
def test_a_stream_that_is_not_text_is_refused(bad):
    with pytest.raises(documents.ValidationError) as refused:
        list(documents.stream_paragraphs(io.BytesIO(b"fine text\n\n" * 50 + bad), chunk_size=16))
    assert refused.value.field == "file"


def test_an_upload_that_turns_out_not_to_be_text_past_the_first_chunk_leaves_nothing(client):
    tenant = tenant_on("row")
    key = f.api_key(tenant, "member")
    body = b"plain words\n\n" * (2 * storage.CHUNK // 13) + b"\xff binary tail"
    response = client.post("/api/v1/documents", headers=bearer(key), content_type="multipart/form-data",
                           data={"file": (io.BytesIO(body), "notes.txt")})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["details"]["fields"]["file"]
    assert stored_nothing(tenant)


@pytest.mark.app_config(DOCUMENT_MAX_BYTES=SMALL_DOCUMENT_LIMIT)
def test_a_body_past_max_content_length_is_413_with_the_envelope_and_stores_nothing(client, app):
    assert app.config["MAX_CONTENT_LENGTH"] == SMALL_DOCUMENT_LIMIT + MIB
    tenant = tenant_on("row")
    key = f.api_key(tenant, "member")
    response = client.post("/api/v1/documents", headers=bearer(key), content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"a" * (MIB + SMALL_DOCUMENT_LIMIT + 1)), "big.txt")})
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "payload_too_large"
    assert "a document may be at most 64 KiB" in error["message"].replace("\xa0", " ")
    assert stored_nothing(tenant)


@pytest.mark.app_config(DOCUMENT_MAX_BYTES=SMALL_DOCUMENT_LIMIT)
def test_a_file_past_the_document_limit_but_within_the_body_limit_is_refused_unread(client):
    tenant = tenant_on("row")
    key = f.api_key(tenant, "member")
    response = client.post("/api/v1/documents", headers=bearer(key), content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"a" * (SMALL_DOCUMENT_LIMIT + 1)), "big.txt")})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "document_too_large"
    assert response.get_json()["error"]["details"]["fields"]["file"]
    assert stored_nothing(tenant)


@pytest.mark.app_config(DOCUMENT_MAX_BYTES=SMALL_DOCUMENT_LIMIT)
def test_the_portal_answers_an_oversized_upload_with_a_413_page_saying_the_limit(as_user):
    tenant = tenant_on("row")
    client = as_user(f.member(tenant, "member"))
    page = f"/t/{tenant.slug}/knowledge"
    token = csrf_token(client, page)
    response = client.post(page, content_type="multipart/form-data",
                           data={"csrf_token": token, "title": "", "tags": "",
                                 "file": (io.BytesIO(b"a" * (2 * MIB)), "big.txt")})
    assert response.status_code == 413
    assert "a document may be at most 64 KiB" in response.get_data(as_text=True).replace("\xa0", " ")
    assert stored_nothing(tenant)
