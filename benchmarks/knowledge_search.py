"""Knowledge-base search latency at 10,000 documents in one tenant, measured through the API.

    .venv/bin/python benchmarks/knowledge_search.py                              # temporary SQLite file
    .venv/bin/python benchmarks/knowledge_search.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench        # an EMPTY database you own

Builds one tenant (row isolation) with --documents documents of one to three passages of generated
text (words drawn by Zipf's law, so common words match thousands of passages, as in real text), then sends `GET /api/v1/rag/search` with a tenant key for --queries different queries (never the
same twice: the search cache must not answer) and prints p50 / p95 / max in milliseconds.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, literal_column, update

from app import create_app
from app.extensions import db
from app.models.types import utcnow
from app.services import api_keys, quotas, tenants
from app.services.audit import Actor
from app.services.authority import Authority
from app.services.plans import ensure_plans_seeded
from app.workspace.models import Document, DocumentPassage
from app.workspace.sessions import tenant_plane


def vocabulary(size: int = 20_000) -> list[str]:
    """`size` made-up words, in rank order (the first is the most frequent)."""
    rng = random.Random(1)
    syllables = ["ka", "lo", "mi", "ter", "van", "dor", "sel", "quin", "bra", "tus", "pel", "gor", "ni", "ax",
                 "ru", "fen", "sto", "lim", "par", "ost", "ek", "wa", "zu", "hol"]
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))] = None
    return list(words)


VOCABULARY = vocabulary()
# Zipf's law with exponent 1, as natural language roughly follows: the word of rank r has weight 1/r,
# so the commonest words turn up in a good share of all passages and rare ones in a handful.
ZIPF_WEIGHTS = list(itertools.accumulate(1 / rank for rank in range(1, len(VOCABULARY) + 1)))


def passage_text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(VOCABULARY, cum_weights=ZIPF_WEIGHTS, k=words)).capitalize() + "."


def seed_documents(tenant, count: int, rng: random.Random) -> int:
    now = utcnow()
    passages = 0
    with tenant_plane(tenant) as ws:
        for start in range(0, count, 1000):
            docs, rows = [], []
            for i in range(start, min(count, start + 1000)):
                doc_id = f"doc_{i:016x}"
                title = passage_text(rng, 4).rstrip(".").title()
                docs.append({"tenant_id": tenant.id, "id": doc_id, "title": title, "tags": [], "filename": None,
                             "content_type": "text/plain", "size_bytes": 2000, "storage_key": doc_id,
                             "uploader_label": "bench", "created_at": now})
                for position in range(rng.randint(1, 3)):
                    rows.append({"tenant_id": tenant.id, "id": f"psg_{i:012x}{position:04x}", "document_id": doc_id,
                                 "position": position, "title": title,
                                 "content": passage_text(rng, rng.randint(80, 130))})
            ws.execute(insert(Document), docs)
            ws.execute(insert(DocumentPassage), rows)
            passages += len(rows)
        if ws.get_bind().dialect.name == "postgresql":
            config = literal_column("'english'::regconfig")
            ws.execute(update(DocumentPassage).values(search_vector=(
                func.setweight(func.to_tsvector(config, DocumentPassage.title), literal_column("'A'"))
                .op("||")(func.setweight(func.to_tsvector(config, DocumentPassage.content), literal_column("'B'"))))))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE document_passages")  # as autovacuum would after a bulk load
    return passages


def queries(rng: random.Random, count: int) -> list[str]:
    """`count` different queries of two or three topic words (ranks 50 to 5,000; the commonest words are
    the stop words of real text): one word matches from about 40 to about 3,500 of the 20,000 passages."""
    seen: set[str] = set()
    while len(seen) < count:
        seen.add(" ".join(rng.sample(VOCABULARY[50:5000], rng.randint(2, 3))))
    return sorted(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite file)")
    parser.add_argument("--reuse", action="store_true",
                        help="measure again on the documents a previous run left in --database-url")
    opts = parser.parse_args()
    workdir = Path(tempfile.mkdtemp())
    url = opts.database_url or f"sqlite:///{workdir / 'bench.db'}"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "TENANT_DATABASE_DIR": str(workdir / "t"),
                                 "STORAGE_DIR": str(workdir / "s")})
    rng = random.Random(7)
    with app.app_context():
        db.create_all()
        ensure_plans_seeded()
        actor = Actor.cli()
        tenant = tenants.find_tenant("search-bench") if opts.reuse else None
        if tenant is None:
            tenant = tenants.create_tenant("Search Bench", "search-bench", "owner@search.bench", "pro", actor,
                                           status="active", isolation_strategy="row")
            quotas.set_custom_limits(tenant, {"api_calls": None}, actor)
            started = time.perf_counter()
            passages = seed_documents(tenant, opts.documents, rng)
            print(f"{opts.documents:,} documents / {passages:,} passages in {time.perf_counter() - started:.1f}s "
                  f"({db.engine.dialect.name})")
        key, secret = api_keys.create_key(tenant, "bench", "viewer", Authority.cli())
        key_id = key.id
        client = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}
        for query in queries(random.Random(99), 20):  # warm caches, the pool and the planner
            client.get("/api/v1/rag/search", query_string={"query": "warm " + query}, headers=headers)
        times, hits = [], 0
        for query in queries(random.Random(42), opts.queries):
            started = time.perf_counter()
            response = client.get("/api/v1/rag/search", query_string={"query": query}, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.get_json()
            hits += bool(response.get_json()["results"])
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(f"{len(times)} queries ({hits} with results): p50 {statistics.median(times):.1f} ms  "
              f"p95 {p95:.1f} ms  max {times[-1]:.1f} ms")
        db.session.remove()
        if not opts.database_url:
            db.drop_all()
        else:
            api_keys.revoke_key(tenants.find_tenant("search-bench"), key_id, actor)


if __name__ == "__main__":
    main()
