"""Migration 0025: the tenant_configs.feature_flags maps become override rows, and back on downgrade."""

from __future__ import annotations

import json

import flask_migrate
import pytest
import sqlalchemy as sa
from sqlalchemy import text

from app.extensions import db
from tests.conftest import build_app
from tests.test_migrations import empty_database_url  # noqa: F401  (the fixture)


def _row_for(conn, table: str, given: dict) -> dict:
    """`given`, plus a plain value for every other NOT NULL column without a default."""
    row = dict(given)
    for column in sa.inspect(conn).get_columns(table):
        if column["name"] in row or column["nullable"] or column.get("default") is not None:
            continue
        kind = column["type"]
        row[column["name"]] = (False if isinstance(kind, sa.Boolean) else 0 if isinstance(kind, sa.Integer)
                               else "2026-06-01 12:00:00" if isinstance(kind, sa.DateTime) else "x")
    return row


def _insert(conn, table: str, row: dict) -> None:
    names = ", ".join(row)
    conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + n for n in row)})"), row)


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index ix_tenants_name_lower")
def test_stored_flag_maps_move_into_overrides_and_back(empty_database_url):  # noqa: F811
    app = build_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(revision="0024")
        with db.engine.begin() as conn:
            _insert(conn, "tenants", _row_for(conn, "tenants", {"id": "tnt_old", "slug": "old-co", "name": "Old",
                                                                 "plan_code": "free", "status": "active",
                                                                 "isolation_strategy": "row"}))
            _insert(conn, "tenant_configs", _row_for(conn, "tenant_configs", {
                "tenant_id": "tnt_old", "feature_flags": json.dumps({"beta_search": True, "legacy": False})}))
        flask_migrate.upgrade(revision="0025")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT key, enabled, expires_at, set_by FROM tenant_flag_overrides "
                                     "WHERE tenant_id = 'tnt_old' ORDER BY key")).all()
            emptied = conn.scalar(text("SELECT feature_flags FROM tenant_configs WHERE tenant_id = 'tnt_old'"))
        assert [(r[0], bool(r[1]), r[2], r[3]) for r in rows] == [("beta_search", True, None, "migration"),
                                                                 ("legacy", False, None, "migration")]
        assert (json.loads(emptied) if isinstance(emptied, str) else emptied) == {}
        flask_migrate.downgrade(revision="0024")
        with db.engine.connect() as conn:
            restored = conn.scalar(text("SELECT feature_flags FROM tenant_configs WHERE tenant_id = 'tnt_old'"))
        assert (json.loads(restored) if isinstance(restored, str) else restored) == {"beta_search": True,
                                                                                    "legacy": False}
        db.session.remove()
        flask_migrate.downgrade(revision="base")
        db.engine.dispose()
