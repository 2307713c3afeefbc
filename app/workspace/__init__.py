"""The tenant plane: data a tenant owns (its knowledge base), placed by its isolation strategy.

`models` holds the tables (every key starts with `tenant_id`); `sessions.tenant_plane(tenant)` is
the only way to reach them: a session that already knows its tenant, filters every ORM query by it,
stamps every insert with it, and runs where the tenant's strategy puts its data (see
docs/isolation.md).
"""
