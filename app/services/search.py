"""Full-text search of a tenant's knowledge base: ranked passages, the database's own engine.

PostgreSQL: the passage's weighted `tsvector` (GIN index) against an OR of the query's words,
ranked by `ts_rank`, snippet by `ts_headline`. SQLite: the FTS5 index, ranked by `bm25`, snippet
by `snippet()`. Both run through the tenant-plane session, so only the tenant's passages are
candidates. A passage of a document whose title equals the query ranks first.
Scores: relevance squashed into [0, 1); an exact-title match adds 1.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from flask_babel import gettext
from sqlalchemy import Column, MetaData, String, Table, Text, case, func, literal_column, select

from app.models import Tenant
from app.placement import cache as tenant_cache
from app.services.errors import ValidationError
from app.workspace.ddl import FTS_TABLE
from app.workspace.models import DocumentPassage
from app.workspace.sessions import tenant_plane

MAX_QUERY = 200
MAX_LIMIT = 50
DEFAULT_LIMIT = 10
CACHE_SECONDS = 60
# The engines mark matched words with characters no text uses (private use), so a document's own
# guillemets are never taken for marks; the API shows marks as « and » (`plain_snippet`), the portal
# as <mark> (`marked`).
MARK_START, MARK_END = "\ue000", "\ue001"
API_MARKS = ("«", "»")

# The FTS5 table, for building queries only (created by app.workspace.ddl, not by create_all).
_fts = Table(FTS_TABLE, MetaData(), Column("title", Text), Column("content", Text),
             Column("tenant_id", String), Column("passage_id", String))


@dataclass(frozen=True)
class Passage:
    document_id: str
    title: str
    position: int
    snippet: str
    score: float

    def to_dict(self) -> dict:
        return asdict(self)

    def plain_snippet(self) -> str:
        """The snippet with matched words between « and » (the API's form)."""
        return self.snippet.replace(MARK_START, API_MARKS[0]).replace(MARK_END, API_MARKS[1])

    def marked(self) -> list[tuple[str, bool]]:
        """The snippet as (text, matched) pieces, for a template to wrap matched words in <mark>."""
        pieces: list[tuple[str, bool]] = []
        for i, part in enumerate(re.split(f"[{MARK_START}{MARK_END}]", self.snippet)):
            if part:
                pieces.append((part, i % 2 == 1))
        return pieces


def validate_query(query: str | None, limit) -> tuple[str, int]:
    raw = query if isinstance(query, str) else ""
    if len(raw) > MAX_QUERY:
        raise ValidationError(gettext("The query must be at most %(max_query)s characters.", max_query=MAX_QUERY), field="query")
    if "\x00" in raw:
        raise ValidationError(gettext("The query must not contain NUL characters."), field="query")
    value = raw.strip()
    if not value:
        raise ValidationError(gettext("Type something to search for."), field="query")
    if limit is None:
        return value, DEFAULT_LIMIT
    try:
        number = int(limit)
    except (TypeError, ValueError):
        raise ValidationError(gettext("limit must be a whole number from 1 to %(max_limit)s.", max_limit=MAX_LIMIT), field="limit") from None
    if not 1 <= number <= MAX_LIMIT:
        raise ValidationError(gettext("limit must be a whole number from 1 to %(max_limit)s.", max_limit=MAX_LIMIT), field="limit")
    return value, number


def words(query: str) -> list[str]:
    """The query's words (letters and digits): no operator of either engine survives."""
    return re.findall(r"[^\W_]+", query.lower())[:32]


def search(tenant: Tenant, query: str | None, limit=DEFAULT_LIMIT) -> list[Passage]:
    """The tenant's passages best matching `query`, best first."""
    query, limit = validate_query(query, limit)
    terms = words(query)
    if not terms:
        return []
    # Every store and delete moves the tenant's namespace on (`forget_results`); the byte counter in
    # the key still helps another worker whose cache is its own process's (no Redis).
    key = (query.lower(), limit, tenant.storage_used_bytes)
    cached = tenant_cache.get(tenant.id, "search", *key)
    if cached is not None:
        return [Passage(**item) for item in cached]
    with tenant_plane(tenant) as ws:
        dialect = ws.get_bind().dialect.name
        stmt = _postgresql(query, terms, limit) if dialect == "postgresql" else _sqlite(query, terms).limit(limit)
        rows = ws.execute(stmt).all()
    passages = [Passage(document_id=r.document_id, title=r.title, position=r.position, snippet=r.snippet,
                        score=round(float(r.score), 6)) for r in rows]
    tenant_cache.set(tenant.id, "search", *key, value=[p.to_dict() for p in passages], timeout=CACHE_SECONDS)
    return passages


def forget_results(tenant_id: str) -> None:
    """Drop the tenant's cached search answers: a document was stored, changed or deleted (committed)."""
    tenant_cache.invalidate(tenant_id, "search")


def _exact(query: str):
    return case((func.lower(DocumentPassage.title) == query.lower(), 1.0), else_=0.0)


def _postgresql(query: str, terms: list[str], limit: int):
    config = literal_column("'english'::regconfig")
    tsquery = func.to_tsquery(config, " | ".join(terms))
    # ts_rank normalisation 32 squashes the rank into [0, 1).
    rank = func.ts_rank(DocumentPassage.search_vector, tsquery, 32)
    score = (rank + _exact(query)).label("score")
    # Rank and limit first: a snippet (ts_headline re-parses the passage's text, the costly step) is
    # built only for the passages returned, not for every one of the thousands a common word matches.
    top = (select(DocumentPassage.id, score)
           .where(DocumentPassage.search_vector.op("@@")(tsquery))
           .order_by(score.desc(), DocumentPassage.document_id, DocumentPassage.position)
           .limit(limit).subquery("top"))
    snippet = func.ts_headline(config, DocumentPassage.content, tsquery,
                               f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=12")
    return (select(DocumentPassage.document_id, DocumentPassage.title, DocumentPassage.position,
                   snippet.label("snippet"), top.c.score)
            .join(top, top.c.id == DocumentPassage.id)
            .order_by(top.c.score.desc(), DocumentPassage.document_id, DocumentPassage.position))


def _sqlite(query: str, terms: list[str]):
    fts = literal_column(FTS_TABLE)
    match = " OR ".join(f'"{term}"' for term in terms)
    relevance = -func.bm25(fts, 5.0, 1.0)
    score = (relevance / (relevance + 1.0) + _exact(query)).label("score")
    snippet = func.snippet(fts, 1, MARK_START, MARK_END, "…", 24)
    return (select(DocumentPassage.document_id, DocumentPassage.title, DocumentPassage.position,
                   snippet.label("snippet"), score)
            .join(_fts, (_fts.c.passage_id == DocumentPassage.id) & (_fts.c.tenant_id == DocumentPassage.tenant_id))
            .where(fts.op("MATCH")(match))
            .order_by(score.desc(), DocumentPassage.document_id, DocumentPassage.position))


__all__ = ["Passage", "search", "validate_query"]
