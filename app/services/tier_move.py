"""Move a tenant between isolation tiers (row, schema, database): copy, verify, switch, drop.

    copying    build the target placement and copy the tenant's plane into it; reads and writes
               still go to the source
    switching  (committed first, so the guard refuses writes with 423 `tenant_migrating`) copy
               again what changed, verify row counts and a checksum per table against the source,
               and switch `tenant.isolation_strategy` in the same control-plane transaction
    switched   the tenant lives on the target; the old copy is dropped, then `done`

The source is never changed before the switch commits, and the target is verified before it, so
a process killed at any step leaves the tenant on exactly one complete placement. The phase is
recorded in `tenant_moves` after each step: running the move again resumes from it. The final
catch-up re-copies the tenant's rows (a tenant plane is small enough for that; what makes a move
slow is building a schema or database, done while writes still go on).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from app import crashpoints
from app.extensions import db
from app.models import ISOLATION_STRATEGIES, Tenant
from app.models.types import utcnow
from app.placement import database, row, schema
from app.placement.moves import UNFINISHED_PHASES, TenantMove
from app.placement.state import TenantPlaneState
from app.services.audit import Actor, record
from app.services.errors import Conflict, DomainError, ValidationError
from app.services.transaction import lock_tenant
from app.workspace.ddl import PLACEMENT_OPTION
from app.workspace.models import WORKSPACE_TABLES


class TenantMigrating(DomainError):
    """Writes are refused while a tenant's placement is being switched (a short window)."""

    code = "tenant_migrating"
    http_status = 423


@dataclass(frozen=True)
class TableCheck:
    rows: int
    checksum: str


def validate_move(tenant: Tenant, target: str, dialect_name: str) -> str:
    """Refuse a move that cannot happen, with a message naming the `target` field."""
    target = (target or "").strip().lower()
    if target not in ISOLATION_STRATEGIES:
        raise ValidationError(gettext("Isolation strategy must be one of %(isolation_strategies)s.",
                                      isolation_strategies=", ".join(ISOLATION_STRATEGIES)), field="target")
    if tenant.is_deleted:
        raise ValidationError(gettext("%(tenant)s is deleted: restore it before moving it.", tenant=tenant.name),
                              field="target")
    if target == "schema" and dialect_name != "postgresql":
        raise ValidationError(gettext("Schema-per-tenant isolation needs PostgreSQL; this portal runs on %(dialect_name)s. Choose row or database isolation.", dialect_name=dialect_name), field="target")
    return target


def unfinished_move(tenant_id: str) -> TenantMove | None:
    """The tenant's move that has not finished, if any."""
    return db.session.scalar(select(TenantMove).where(TenantMove.tenant_id == tenant_id,
                                                      TenantMove.phase.in_(UNFINISHED_PHASES))
                             .order_by(TenantMove.id.desc()).limit(1))


def latest_move(tenant_id: str) -> TenantMove | None:
    """The tenant's most recent move (for the admin page's progress)."""
    return db.session.scalar(select(TenantMove).where(TenantMove.tenant_id == tenant_id)
                             .order_by(TenantMove.id.desc()).limit(1))


def ensure_writable(tenant: Tenant) -> None:
    """Raise `TenantMigrating` (423) while the tenant's placement is being switched."""
    switching = db.session.scalar(select(TenantMove.id).where(TenantMove.tenant_id == tenant.id,
                                                              TenantMove.phase == "switching").limit(1))
    if switching is not None:
        raise TenantMigrating(gettext("%(tenant)s is moving to a new home; changes are paused for a moment. Reading works; try the change again shortly.", tenant=tenant.name),
                              details={"tenant": tenant.slug})


def start_move(tenant: Tenant, target: str, actor: Actor, now: datetime | None = None) -> TenantMove:
    """Record a move of `tenant` to `target` (or return the unfinished one to that target), audited."""
    target = validate_move(tenant, target, db.engine.dialect.name)
    current = unfinished_move(tenant.id)
    if current is not None:
        if current.target != target:
            raise Conflict(gettext("A move of %(tenant)s to %(target)s is under way; finish it first (move it to %(target)s again).", tenant=tenant.name, target=current.target), field="target", code="tenant_move_under_way")
        return current
    if tenant.isolation_strategy == target:
        raise ValidationError(gettext("%(tenant)s already uses %(target)s isolation.", tenant=tenant.name, target=target),
                              field="target")
    now = now or utcnow()
    move = TenantMove(tenant_id=tenant.id, source=tenant.isolation_strategy, target=target, phase="copying",
                      copied_rows=0, actor_label=actor.label, started_at=now, updated_at=now)
    db.session.add(move)
    record("tenant.move_started", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
           details={"from": move.source, "to": target})
    db.session.commit()
    return move


def move_tenant(tenant: Tenant, target: str, actor: Actor) -> TenantMove:
    """Move `tenant` to the `target` tier, or resume its unfinished move there; returns the finished move."""
    move = start_move(tenant, target, actor)
    return run_move(move.id, actor)


def run_move(move_id: int, actor: Actor | None = None) -> TenantMove:
    """Carry a recorded move on from its phase to `done`. Idempotent: safe to run again after a crash."""
    actor = actor or Actor.system()
    move = db.session.get(TenantMove, move_id)
    if move is None or move.phase == "done":
        return move  # type: ignore[return-value]
    tenant_id = move.tenant_id
    if move.phase == "copying":
        _prepare_target(tenant_id, move.target)
        _set_phase(move, "copying", copied=_copy(tenant_id, move.source, move.target))
        crashpoints.reached("move.copied")
        _set_phase(move, "switching")
        crashpoints.reached("move.switching")
    if move.phase == "switching":
        _switch(move, actor)
        crashpoints.reached("move.switched")
    if move.phase == "switched":
        _drop_old(tenant_id, move.source)
        crashpoints.reached("move.old_dropped")
        move.finished_at = utcnow()
        _set_phase(move, "done")
        record("tenant.move_finished", actor, tenant_id=tenant_id, target_type="tenant", target_id=tenant_id,
               details={"from": move.source, "to": move.target})
        db.session.commit()
    return move


def _set_phase(move: TenantMove, phase: str, copied: int | None = None) -> None:
    move.phase = phase
    if copied is not None:
        move.copied_rows = copied
    move.updated_at = utcnow()
    db.session.commit()


def _switch(move: TenantMove, actor: Actor) -> None:
    """Catch up, verify and switch in one control-plane transaction (writes are refused meanwhile)."""
    tenant_id = move.tenant_id
    # Writers that entered before "switching" committed hold the tenant row: wait for them.
    lock_tenant(db.session, tenant_id)
    _prepare_target(tenant_id, move.target)
    copied = _copy(tenant_id, move.source, move.target)
    source_checks, target_checks = checks(tenant_id, move.source), checks(tenant_id, move.target)
    if source_checks != target_checks:
        db.session.rollback()
        move.error = f"verification failed: source {source_checks} target {target_checks}"[:2000]
        move.phase = "copying"  # writes go on again; the next run copies afresh
        db.session.commit()
        raise Conflict(gettext("The copy of %(tenant)s does not match its source; nothing was switched. Run the move again.", tenant=tenant_id), code="tenant_move_unverified")
    crashpoints.reached("move.verified_uncommitted")
    tenant = db.session.get(Tenant, tenant_id)
    assert tenant is not None
    tenant.isolation_strategy = move.target
    state = db.session.get(TenantPlaneState, tenant_id)
    if move.target == "row" and state is not None:
        db.session.delete(state)
    move.verified = {name: {"rows": c.rows, "checksum": c.checksum} for name, c in target_checks.items()}
    move.copied_rows, move.error = copied, None
    move.phase, move.updated_at = "switched", utcnow()
    record("tenant.moved", actor, tenant_id=tenant_id, target_type="tenant", target_id=tenant_id,
           details={"from": move.source, "to": move.target, "rows": copied})
    db.session.commit()
    if move.source == "database":  # its engine must not be reused for the next tenant of that name
        database.engine_cache().discard(tenant_id)


# -- the mechanics: where a tenant's rows are, in each tier ---------------------------------------

@contextmanager
def _placed(tenant_id: str, strategy: str) -> Iterator[Connection]:
    """A connection on the tenant's rows in `strategy`. Row and schema placements share the
    control-plane transaction (so the switch commits with them); a database is its own."""
    if strategy == "database":
        with database.engine_for(tenant_id).begin() as conn:
            yield conn
        return
    conn = db.session.connection()
    if strategy == "schema":
        previous = schema.enter(conn, tenant_id)
        try:
            yield conn
        finally:
            schema.leave(conn, previous)
    else:
        row.enter(conn, tenant_id)
        try:
            yield conn
        finally:
            row.leave(conn)


def _prepare_target(tenant_id: str, strategy: str) -> None:
    """Build the target schema or database at head if it is not built (resumable)."""
    from app.placement import plane_migrations

    if strategy not in plane_migrations.DEDICATED:
        return
    with plane_migrations.tenant_connection(tenant_id, strategy, create=True) as conn:
        revision = plane_migrations.current_revision(conn)
        if revision is None:
            revision = plane_migrations.build_at_head(conn, strategy)
    state = db.session.get(TenantPlaneState, tenant_id)
    if state is None:
        db.session.add(TenantPlaneState(tenant_id=tenant_id, revision=revision, migrated_at=utcnow()))
    elif state.revision is None:
        state.revision, state.migrated_at = revision, utcnow()


def _read(tenant_id: str, strategy: str) -> dict[str, list[dict]]:
    with _placed(tenant_id, strategy) as conn:
        return {table.name: [dict(r._mapping) for r in conn.execute(
            select(table).where(table.c.tenant_id == tenant_id).order_by(*table.primary_key.columns))]
            for table in WORKSPACE_TABLES}


def _copy(tenant_id: str, source: str, target: str) -> int:
    """Replace the tenant's rows in `target` with those in `source`; the number of rows copied."""
    rows = _read(tenant_id, source)
    with _placed(tenant_id, target) as conn:
        if target != "row":
            conn.execution_options(**{PLACEMENT_OPTION: target})
        for table in reversed(WORKSPACE_TABLES):
            conn.execute(delete(table).where(table.c.tenant_id == tenant_id))
        for table in WORKSPACE_TABLES:
            if rows[table.name]:
                conn.execute(table.insert(), rows[table.name])
    return sum(len(r) for r in rows.values())


def checks(tenant_id: str, strategy: str) -> dict[str, TableCheck]:
    """Row count and a SHA-256 over every row (in key order) of each tenant-plane table."""
    result = {}
    for name, rows in _read(tenant_id, strategy).items():
        digest = hashlib.sha256()
        for r in rows:
            digest.update(repr(sorted((k, _comparable(v)) for k, v in r.items())).encode())
        result[name] = TableCheck(len(rows), digest.hexdigest())
    return result


def _comparable(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _drop_old(tenant_id: str, strategy: str) -> None:
    """Remove the copy the tenant left (idempotent: nothing there is fine)."""
    if strategy == "schema":
        schema.drop(db.session.connection(), tenant_id)
    elif strategy == "database":
        database.drop(tenant_id)
    else:
        with _placed(tenant_id, "row") as conn:
            for table in reversed(WORKSPACE_TABLES):
                conn.execute(delete(table).where(table.c.tenant_id == tenant_id))
    db.session.commit()


def has_copy(tenant_id: str, strategy: str) -> bool:
    """Whether `strategy` still holds anything of the tenant (its schema, its database, or its rows)."""
    from pathlib import Path

    from sqlalchemy import text

    if strategy == "schema":
        return schema.exists(db.session.connection(), tenant_id)
    if strategy == "database":
        url = database.database_url(tenant_id)
        if url.get_backend_name() == "sqlite":
            return Path(url.database).exists()
        return bool(db.session.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                       {"n": url.database}).scalar())
    return any(c.rows for c in checks(tenant_id, "row").values())
