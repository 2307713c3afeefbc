"""One unit of work per operation: commit at the end, roll back everything on any error.

`unit_of_work()` is the only place the request's session commits, and it must start clean: a
change left pending (or flushed but not committed) by someone else would otherwise be committed
with it, unasked. Records that must be kept whatever the request does (a metering count, the audit
of a refusal, a key's last use) go through `side_session()`, a short session of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.extensions import db
from app.models import Tenant

_WROTE = "wrote_uncommitted"


@event.listens_for(Session, "after_flush")
def _note_flushed_writes(session: Session, _flush_context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_flushed_writes(session: Session) -> None:
    session.info.pop(_WROTE, None)


class UncommittedChanges(RuntimeError):
    """A unit of work began while the session held changes it did not make (a programming error)."""


def pending_changes(session: Session) -> list[str]:
    """What the session would commit that nobody committed yet: objects, or 'flushed writes'."""
    found = [f"new {o!r}" for o in session.new] + [f"deleted {o!r}" for o in session.deleted]
    found += [f"changed {o!r}" for o in session.dirty if session.is_modified(o)]
    if session.info.get(_WROTE):
        found.append("writes flushed but not committed")
    return found


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Yield the session; commit if the block finishes, roll back if it raises.

    Raises `UncommittedChanges` at the start if the session is not clean.
    """
    session = db.session
    pending = pending_changes(session)
    if pending:
        raise UncommittedChanges("unit_of_work() started with changes nobody committed: " + "; ".join(pending[:5]))
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def lock_tenant(session: Session, tenant_id: str) -> Tenant | None:
    """Serialise membership and quota changes of one tenant (row lock on PostgreSQL); return the
    tenant as committed now.

    Two admins inviting the last free seat at once, or two owners demoting each other at once,
    must not both succeed. PostgreSQL: a row lock (FOR UPDATE). SQLite has no row locks and
    ignores FOR UPDATE; a no-op UPDATE takes its database write lock instead, so the counting
    that follows cannot race another writer.

    Whatever this session loaded of the tenant before the lock (its plan, status, counters) may
    have been changed by a writer that committed while we waited: a downgrade racing an invitation
    must be seen by the invitation's seat check. So the loaded tenant is expired here and every
    check after the lock reads the row (and its plan) as committed.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Tenant).where(Tenant.id == tenant_id).values(id=Tenant.id)
                        .execution_options(synchronize_session=False))
    else:
        session.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update())
    loaded = session.identity_map.get(identity_key(Tenant, tenant_id))
    if loaded is not None:
        session.expire(loaded)
    return session.get(Tenant, tenant_id)


@contextmanager
def side_session() -> Iterator[Session]:
    """A short-lived session of its own on the control-plane engine, committed at the end.

    For records that must be kept whether or not the request's own work commits, without
    committing that work: metering counts, audit events of refusals, a key's last use.

    A request's session that is clean first gives its connection back to the pool (nothing is
    committed: there is nothing to commit, and its objects stay loaded). Otherwise every request
    would hold two connections at once here, and a full pool would wait on itself.
    """
    _release_clean_connection(db.session())
    session = Session(bind=db.engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _release_clean_connection(session: Session) -> None:
    if not session.in_transaction() or pending_changes(session):
        return
    keep_loaded, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()  # ends an empty transaction: releases the connection, writes nothing
    finally:
        session.expire_on_commit = keep_loaded
