"""Schema isolation (PostgreSQL): one schema per tenant, `tenant_<id>`.

Selected per transaction with `set_config('search_path', ..., true)` (SET LOCAL): the tenant's
schema is the only one searched, the setting ends with the transaction, and a pooled connection
never carries it into the next request. The control-plane tables are invisible meanwhile.
"""

from __future__ import annotations

import re

from flask_babel import gettext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.services.errors import ValidationError
from app.workspace.ddl import TENANT_SETTING

_SAFE_ID = re.compile(r"^[A-Za-z0-9_]{1,40}$")


def schema_name(tenant_id: str) -> str:
    if not _SAFE_ID.match(tenant_id or ""):
        raise ValidationError(gettext("This tenant id cannot name a schema."), field="isolation_strategy")
    return f"tenant_{tenant_id.lower()}"


def quoted(tenant_id: str) -> str:
    return f'"{schema_name(tenant_id)}"'


def enter(connection: Connection, tenant_id: str) -> str:
    """Point the transaction at the tenant's schema; return the search_path to restore."""
    previous = connection.execute(text("SELECT current_setting('search_path')")).scalar_one()
    connection.execute(text("SELECT set_config('search_path', :path, true)"), {"path": quoted(tenant_id)})
    connection.execute(text("SELECT set_config(:name, :value, true)"), {"name": TENANT_SETTING, "value": tenant_id})
    return previous


def leave(connection: Connection, previous: str) -> None:
    connection.execute(text("SELECT set_config('search_path', :path, true)"), {"path": previous})
    connection.execute(text("SELECT set_config(:name, '', true)"), {"name": TENANT_SETTING})


def create(connection: Connection, tenant_id: str) -> None:
    connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quoted(tenant_id)}")


def drop(connection: Connection, tenant_id: str) -> None:
    connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {quoted(tenant_id)} CASCADE")


def exists(connection: Connection, tenant_id: str) -> bool:
    return bool(connection.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :n"),
                                   {"n": schema_name(tenant_id)}).scalar())
