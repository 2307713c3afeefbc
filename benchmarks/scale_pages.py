"""Owner dashboard, admin overview and admin tenant table: p95 latency at 10 tenants vs 10,000 tenants.

    .venv/bin/python benchmarks/scale_pages.py                                  # temporary SQLite file
    .venv/bin/python benchmarks/scale_pages.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench       # an EMPTY database you own

Seeds 10 tenants / 100 users with `flask seed-scale`'s code, requests every page --repeat times through
the whole Flask stack (routing, session, guard, service, template), then grows the fleet to --tenants /
--users and measures again. Prints p50 and p95 per page at both sizes, and the ratio of the p95s (the
target: at most 2). The tenant-table views are the ones the scale issue names: newest, sort by users,
sort by API calls, a search, a filter, and page 40 sorted by name.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.cli.scale import seed_scale
from app.extensions import db
from app.models import Tenant, User
from app.services import accounts, sessions

SMALL = (10, 100)
OWNER_TENANT = "scale-3"  # an active tenant of the first batch: the same one at both sizes
PAGES = {
    "owner dashboard": f"/t/{OWNER_TENANT}/",
    "admin overview": "/admin/",
    "tenants: newest": "/admin/tenants",
    "tenants: by users": "/admin/tenants?sort=users",
    "tenants: by API calls": "/admin/tenants?sort=api_calls",
    "tenants: search": "/admin/tenants?q=tenant+12",
    "tenants: suspended pro": "/admin/tenants?status=suspended&plan=pro",
    "tenants: page 40 by name": "/admin/tenants?sort=name&page=40",
}


def signed_in_client(app, user: User):
    """A test client with a real server-side session for `user`, as signing in makes one."""
    token, _record = sessions.start(user, method="password", mfa=True, ip="127.0.0.1")
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["_sid"] = token
    return client


def measure(admin_client, owner_client, repeat: int) -> dict[str, tuple[float, float]]:
    results = {}
    for name, path in PAGES.items():
        client = owner_client if name == "owner dashboard" else admin_client
        for _ in range(3):  # warm: templates compiled, statements cached, pages in the buffer cache
            client.get(path)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        times.sort()
        results[name] = (statistics.median(times), times[round(0.95 * (len(times) - 1))])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite file)")
    opts = parser.parse_args()
    workdir = Path(tempfile.mkdtemp())
    url = opts.database_url or f"sqlite:///{workdir / 'bench.db'}"
    config = {"SQLALCHEMY_DATABASE_URI": url, "TENANT_DATABASE_DIR": str(workdir / "t"),
              "STORAGE_DIR": str(workdir / "s")}
    # Two instances, as the test suite has: requests run in app contexts (and `g`) of their own.
    app, server = create_app("testing", config), create_app("testing", config)
    with app.app_context():
        db.create_all()
        seed_scale(*SMALL)
        admin = accounts.build_user("admin@scale.bench", password=None, name="Admin", is_platform_admin=True)
        db.session.commit()
        owner = db.session.get(User, db.session.get(Tenant, "tnt_s000000000000003").owner_id)
        admin_client, owner_client = signed_in_client(server, admin), signed_in_client(server, owner)
        small = measure(admin_client, owner_client, opts.repeat)
        started = time.perf_counter()
        tenants, users = seed_scale(opts.tenants - SMALL[0], opts.users - SMALL[1])
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")  # as autovacuum would after a bulk load
        else:
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        print(f"grew to {tenants:,} tenants / {users:,} users in {time.perf_counter() - started:.1f}s "
              f"({db.engine.dialect.name}); {opts.repeat} requests per page")
        large = measure(admin_client, owner_client, opts.repeat)
        print(f"{'page':<26}{'p50 small':>10}{'p95 small':>10}{'p50 large':>10}{'p95 large':>10}{'p95 ratio':>10}")
        for name in PAGES:
            (p50s, p95s), (p50l, p95l) = small[name], large[name]
            print(f"{name:<26}{p50s:>10.1f}{p95s:>10.1f}{p50l:>10.1f}{p95l:>10.1f}{p95l / p95s:>10.2f}")
        db.session.remove()
        with server.app_context():
            db.engine.dispose()
        if not opts.database_url:
            db.drop_all()


if __name__ == "__main__":
    main()
