"""Isolation beyond tables: tenant-prefixed cache keys, and the bounded cache of tenant engines."""

from __future__ import annotations

from sqlalchemy import create_engine

from app.placement import cache as tenant_cache
from app.placement.database import EngineCache
from app.services import documents, search
from app.services.audit import Actor
from tests import factories as f


def test_cache_keys_start_with_the_tenant_and_cannot_be_forged(app):
    first = tenant_cache.tenant_key("tnt_a", "search", "q")
    assert first.startswith("tenant:tnt_a:search:")
    assert first != tenant_cache.tenant_key("tnt_b", "search", "q")
    # A part that looks like another tenant's prefix is hashed, not spliced in.
    assert "tnt_b" not in tenant_cache.tenant_key("tnt_a", "search", "x:tenant:tnt_b:search")


def test_a_cached_search_never_answers_for_another_tenant(app):
    mine, theirs = f.tenant(), f.tenant()
    documents.create_document(theirs, Actor.system(), documents.Upload(title="Payroll", content="Bravo text"))
    documents.create_document(mine, Actor.system(), documents.Upload(title="Payroll", content="Alpha text"))
    # Same query, same limit, same byte count: only the tenant tells the two cache entries apart.
    assert mine.storage_used_bytes == theirs.storage_used_bytes
    assert [p.snippet for p in search.search(theirs, "payroll", 5)] == ["Bravo text"]
    assert [p.snippet for p in search.search(mine, "payroll", 5)] == ["Alpha text"]


def test_the_engine_cache_keeps_the_most_recent_and_disposes_the_rest():
    cache = EngineCache(2)
    built = []

    def build():
        engine = create_engine("sqlite://")
        built.append(engine)
        return engine

    a = cache.get("a", build)
    cache.get("b", build)
    assert cache.get("a", build) is a  # a is now the most recent
    cache.get("c", build)
    assert cache.keys() == ["a", "c"]
    assert len(built) == 3
    cache.discard("a")
    assert cache.keys() == ["c"]
