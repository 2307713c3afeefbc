"""Migrations from an empty database give exactly the schema the models describe, and go back down."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app.extensions import db
from app.workspace.ddl import include_object
from tests.conftest import TEST_DATABASE_URL, _driver_url, build_app


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    server = make_url(_driver_url(TEST_DATABASE_URL))
    name = f"portal_migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# SQLAlchemy cannot reflect an expression index from SQLite (PostgreSQL compares it like any other).
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index ix_tenants_name_lower")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index 'ix_tenants_name")
def test_upgrade_from_empty_matches_the_models_and_downgrade_empties_it(empty_database_url):
    app = build_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            # include_object: SQLite's FTS5 search index (virtual + shadow tables) is not a model.
            context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False,
                                                             "include_object": include_object})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations disagree: {differences}"

        plans = db.session.execute(text("SELECT code FROM plans ORDER BY sort_order")).scalars().all()
        assert plans == ["free", "basic", "pro", "enterprise"]
        db.session.remove()

        flask_migrate.downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()


# SQLite's batch migrations reflect the tables they copy (the same expression index as above).
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index ix_tenants_name_lower")
def test_accounts_that_existed_before_email_verification_count_as_verified(empty_database_url):
    """Issue 9, finding 2: the rule is new; accounts made before it (sign-up, invitations, the demo
    seed) are marked verified as of their creation, or working teams could no longer add each other."""
    app = build_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(revision="0014")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (email, name, is_platform_admin, is_disabled, created_at, "
                              "session_version) VALUES ('old@example.test', 'Old', false, false, "
                              "'2026-06-01 12:00:00', 1)"))
        flask_migrate.upgrade(revision="0015")
        with db.engine.connect() as conn:
            verified_at = conn.scalar(text("SELECT email_verified_at FROM users WHERE email = 'old@example.test'"))
        assert str(verified_at).startswith("2026-06-01 12:00:00")
        db.session.remove()
        flask_migrate.downgrade(revision="base")
        db.engine.dispose()
