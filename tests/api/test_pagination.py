"""Lists of members, invitations and keys are read one page at a time, in SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests import factories as f
from tests.api.conftest import bearer


@pytest.fixture
def statements():
    """The SQL statements run while the test body runs (every engine, every app instance)."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    yield seen
    event.remove(Engine, "before_cursor_execute", note)


@pytest.mark.parametrize(("path", "table", "make"), [
    ("users", "tenant_users", lambda t, i: f.member(t, "viewer")),
    ("invitations", "tenant_invitations", lambda t, i: f.invitation(t, f"guest{i}@example.test")),
    ("api-keys", "api_keys", lambda t, i: f.api_key(t, "viewer", name=f"key {i:02d}")),
])
def test_a_page_is_read_with_limit_and_offset_and_counts_everything(app, client, statements, path, table, make):
    tenant = f.tenant("paged", plan="enterprise")
    owner_key = f.api_key(tenant, "owner", name="owner key")
    for i in range(12):
        make(tenant, i)
    statements.clear()
    first = client.get(f"/api/v1/tenants/paged/{path}?per_page=5", headers=bearer(owner_key)).get_json()
    third = client.get(f"/api/v1/tenants/paged/{path}?per_page=5&page=3", headers=bearer(owner_key)).get_json()
    total = first["meta"]["total"]
    assert total >= 12 and first["meta"]["pages"] == -(-total // 5) and len(first["items"]) == 5
    assert len(third["items"]) == total - 10
    listing = [s for s in statements if f"FROM {table}" in s and "ORDER BY" in s and "count(" not in s.lower()]
    assert listing and all("LIMIT" in s.upper() for s in listing), listing
