"""Alembic environment of the tenant plane.

The app runs these migrations itself (plane_migrations.upgrade) on a connection already placed in
a tenant's schema or database. This env.py serves `alembic -c ... revision` and any run that
passes a connection in `config.attributes["connection"]`.
"""
from alembic import context

VERSION_TABLE = "tenant_plane_version"

connection = context.config.attributes.get("connection")
if connection is None:
    context.configure(url=context.config.get_main_option("sqlalchemy.url") or "sqlite://",
                      version_table=VERSION_TABLE, literal_binds=True)
else:
    context.configure(connection=connection, version_table=VERSION_TABLE, transactional_ddl=True)

with context.begin_transaction():
    context.run_migrations()
