"""Row isolation: shared tables, every row stamped with `tenant_id`.

Two walls. The tenant-plane session adds `tenant_id = :tenant` to every ORM query and stamps every
insert (app/workspace/sessions.py). On PostgreSQL, row-level security is the second: inside the
tenant-plane bracket the transaction runs as `portal_app` (owns nothing, cannot bypass RLS) with
`app.tenant_id` set by `set_config(..., true)`, i.e. SET LOCAL, so it ends with the transaction.
A connection without the setting sees no rows at all.
"""

from __future__ import annotations

from sqlalchemy import delete, text
from sqlalchemy.engine import Connection

from app.workspace.ddl import APP_ROLE, TENANT_SETTING


def enter(connection: Connection, tenant_id: str) -> None:
    """Scope the current transaction to `tenant_id` (PostgreSQL: RLS setting and role)."""
    if connection.dialect.name != "postgresql":
        return
    connection.execute(text("SELECT set_config(:name, :value, true)"), {"name": TENANT_SETTING, "value": tenant_id})
    connection.exec_driver_sql(f"SET LOCAL ROLE {APP_ROLE}")


def leave(connection: Connection) -> None:
    """Back to the control plane for the rest of the transaction."""
    if connection.dialect.name != "postgresql":
        return
    connection.exec_driver_sql("SET LOCAL ROLE NONE")
    connection.execute(text("SELECT set_config(:name, '', true)"), {"name": TENANT_SETTING})


def drop(tenant_id: str) -> None:
    """Delete the tenant's rows from the shared tables (at purge)."""
    from app.extensions import db
    from app.workspace.models import WORKSPACE_MODELS

    connection = db.session.connection()
    enter(connection, tenant_id)
    try:
        for model in reversed(WORKSPACE_MODELS):
            connection.execute(delete(model.__table__).where(model.__table__.c.tenant_id == tenant_id))
    finally:
        leave(connection)
