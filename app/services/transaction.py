"""One unit of work per operation: commit at the end, roll back everything on any error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Tenant


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Yield the session; commit if the block finishes, roll back if it raises."""
    session = db.session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def lock_tenant(session: Session, tenant_id: str) -> None:
    """Serialise membership and quota changes of one tenant (row lock on PostgreSQL).

    Two admins inviting the last free seat at once, or two owners demoting each other at once,
    must not both succeed. PostgreSQL: a row lock (FOR UPDATE). SQLite has no row locks and
    ignores FOR UPDATE; a no-op UPDATE takes its database write lock instead, so the counting
    that follows cannot race another writer.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Tenant).where(Tenant.id == tenant_id).values(id=Tenant.id)
                        .execution_options(synchronize_session=False))
    else:
        session.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update())
