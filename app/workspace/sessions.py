"""The tenant-plane session: the one door to a tenant's own tables.

    with tenant_plane(tenant) as ws:
        ws.scalars(select(Document))        # only this tenant's documents, whatever the strategy

- Every ORM SELECT/UPDATE/DELETE gets `tenant_id = <tenant>` added (`with_loader_criteria`);
  every new row is stamped with the tenant, and a row naming another tenant is refused.
- A session without a tenant refuses to run anything (fail closed).
- Row and schema strategies share the control-plane transaction (so a document and the
  tenant's storage counter commit together): on entry the transaction is scoped to the tenant
  (row: `app.tenant_id` + `SET LOCAL ROLE portal_app` on PostgreSQL; schema: `search_path`), on
  exit the tenant-plane writes are flushed and the scope is lifted. The database strategy uses
  the tenant's own engine and commits its own transaction on exit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from app.extensions import db
from app.models import Tenant
from app.workspace.models import TenantScoped


class TenantPlaneError(RuntimeError):
    """A tenant-plane operation without, or against, its tenant: a bug, never user input."""


class TenantPlaneSession(Session):
    """A session bound to one tenant (`info["tenant_id"]`)."""

    @property
    def tenant_id(self) -> str:
        tenant_id = self.info.get("tenant_id")
        if not tenant_id:
            raise TenantPlaneError("tenant-plane session used without a tenant")
        return tenant_id


@event.listens_for(TenantPlaneSession, "do_orm_execute")
def _only_this_tenant(state: ORMExecuteState) -> None:
    tenant_id = state.session.tenant_id  # type: ignore[attr-defined]
    if not state.is_orm_statement:
        raise TenantPlaneError("tenant-plane sessions run ORM statements only (textual SQL skips the filter)")
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(*(
            with_loader_criteria(model, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
            for model in TenantScoped.__subclasses__()
        ))


@event.listens_for(TenantPlaneSession, "before_flush")
def _stamp_tenant(session: Session, _context, _instances) -> None:
    tenant_id = session.tenant_id  # type: ignore[attr-defined]
    for obj in session.new:
        if isinstance(obj, TenantScoped):
            if obj.tenant_id is None:
                obj.tenant_id = tenant_id
            elif obj.tenant_id != tenant_id:
                raise TenantPlaneError("a row of another tenant cannot be written here")
    for obj in session.dirty:
        if isinstance(obj, TenantScoped) and obj.tenant_id != tenant_id:
            raise TenantPlaneError("a row cannot move to another tenant")


@contextmanager
def tenant_plane(tenant: Tenant) -> Iterator[TenantPlaneSession]:
    """A session on `tenant`'s own data, placed by its isolation strategy."""
    from app.placement import database, row, schema

    tenant_id, strategy = tenant.id, tenant.isolation_strategy
    if not tenant_id:
        raise TenantPlaneError("no tenant")
    info = {"tenant_id": tenant_id, "strategy": strategy}
    if strategy == "database":
        session = TenantPlaneSession(bind=database.engine_for(tenant_id), expire_on_commit=False, info=info)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        return

    connection = db.session.connection()
    previous_path = schema.enter(connection, tenant_id) if strategy == "schema" else None
    if strategy != "schema":
        row.enter(connection, tenant_id)
    # Joins the control-plane transaction: flushes into it, never commits it.
    session = TenantPlaneSession(bind=connection, expire_on_commit=False, info=info)
    failed = False
    try:
        yield session
        session.flush()
    except BaseException:
        failed = True
        raise
    finally:
        session.close()
        try:
            if strategy == "schema":
                schema.leave(connection, previous_path or "")
            else:
                row.leave(connection)
        except DBAPIError:
            # The transaction is already aborted; its rollback ends the scope anyway.
            if not failed:
                raise
