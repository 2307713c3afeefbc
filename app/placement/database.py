"""Database isolation: one database per tenant.

PostgreSQL: a database `<main database>_<tenant id>` on the same server. SQLite: a file
`<tenant id>.db` under TENANT_DATABASE_DIR (default: `tenants/` beside the main database file,
i.e. instance/tenants/). Engines are cached per app in a bounded LRU (TENANT_ENGINE_CACHE_SIZE,
default 32): the least recently used is disposed when a new one would pass the bound.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from flask import current_app
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ProgrammingError

from app.config import INSTANCE_DIR
from app.extensions import db, sqlite_pragmas
from app.placement.schema import schema_name

DEFAULT_CACHE_SIZE = 32


class EngineCache:
    """A bounded LRU of engines, safe across request threads."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, build) -> Engine:
        with self._lock:
            engine = self._engines.get(key)
            if engine is not None:
                self._engines.move_to_end(key)
                return engine
            engine = build()
            self._engines[key] = engine
            while len(self._engines) > self.size:
                _, evicted = self._engines.popitem(last=False)
                evicted.dispose()
            return engine

    def discard(self, key: str) -> None:
        with self._lock:
            engine = self._engines.pop(key, None)
        if engine is not None:
            engine.dispose()

    def __len__(self) -> int:
        return len(self._engines)

    def keys(self) -> list[str]:
        return list(self._engines)


def engine_cache() -> EngineCache:
    cache = current_app.extensions.get("tenant_engines")
    if cache is None:
        size = int(current_app.config.get("TENANT_ENGINE_CACHE_SIZE") or DEFAULT_CACHE_SIZE)
        cache = current_app.extensions["tenant_engines"] = EngineCache(size)
    return cache


def _main_url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def database_name(tenant_id: str) -> str:
    name = f"{_main_url().database}_{schema_name(tenant_id)[len('tenant_'):]}"
    if len(name) > 63:
        raise ValueError(f"database name {name!r} is longer than PostgreSQL allows")
    return name


def sqlite_directory() -> Path:
    configured = current_app.config.get("TENANT_DATABASE_DIR")
    if configured:
        return Path(configured)
    main = _main_url().database
    if main and main != ":memory:":
        return Path(main).resolve().parent / "tenants"
    return INSTANCE_DIR / "tenants"


def database_url(tenant_id: str) -> URL:
    main = _main_url()
    if main.get_backend_name() == "postgresql":
        return main.set(database=database_name(tenant_id))
    return URL.create("sqlite", database=str(sqlite_directory() / f"{schema_name(tenant_id)[len('tenant_'):]}.db"))


def _build_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url)
        event.listen(engine, "connect", sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=3)


def engine_for(tenant_id: str) -> Engine:
    """The tenant's own engine (cached)."""
    url = database_url(tenant_id)
    return engine_cache().get(tenant_id, lambda: _build_engine(url))


def create(tenant_id: str) -> None:
    """Create the empty database (PostgreSQL) or the directory of its file (SQLite)."""
    url = database_url(tenant_id)
    if url.get_backend_name() == "sqlite":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        found = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %(n)s",
                                     {"n": url.database}).scalar()
        if not found:
            try:
                conn.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
            except ProgrammingError as exc:  # a repair and its creator raced: the database is there
                if "already exists" not in str(exc):
                    raise


def drop(tenant_id: str) -> None:
    """Dispose the engine and remove the database or file (at purge)."""
    engine_cache().discard(tenant_id)
    url = database_url(tenant_id)
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
