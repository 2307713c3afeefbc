"""How the admin tenant table scales: statements and time per page, small fleet vs large fleet.

    .venv/bin/python benchmarks/tenant_table.py                       # SQLite file in a temp dir
    .venv/bin/python benchmarks/tenant_table.py --tenants 10000 --users 100000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench   # an EMPTY database you own

Prints, per view, the statements one page costs and the median time over --repeat runs, and the
ratio large/small. Results are only comparable within one run (same machine, same moment).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event

from app import create_app
from app.cli.scale import seed_scale
from app.extensions import db
from app.services import fleet
from app.services.plans import ensure_plans_seeded

VIEWS = {
    "newest": {},
    "by users": {"sort": "users"},
    "by API calls": {"sort": "api_calls"},
    "search": {"q": "tenant 12"},
    "search owner": {"q": "u5000"},
    "suspended pro": {"status": "suspended", "plan": "pro"},
    "page 40": {"sort": "name", "page": "40"},
}


def measure(repeat: int, per_page: int) -> dict[str, tuple[int, float]]:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    results = {}
    try:
        for name, args in VIEWS.items():
            view = fleet.TenantTableQuery.from_args({**args, "per_page": str(per_page)})
            times = []
            for _ in range(repeat):
                statements.clear()
                started = time.perf_counter()
                fleet.tenant_table(view)
                times.append((time.perf_counter() - started) * 1000)
                db.session.rollback()
            results[name] = (len(statements), statistics.median(times))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--per-page", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite file)")
    opts = parser.parse_args()

    url = opts.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        ensure_plans_seeded()
        seed_scale(100, 1_000)
        small = measure(opts.repeat, opts.per_page)
        started = time.perf_counter()
        seed_scale(opts.tenants - 100, opts.users - 1_000)
        print(f"seeded {opts.tenants:,} tenants / {opts.users:,} users in {time.perf_counter() - started:.1f}s "
              f"({db.engine.dialect.name})")
        large = measure(opts.repeat, opts.per_page)
        print(f"{'view':<16}{'stmts small':>12}{'stmts large':>12}{'ms small':>10}{'ms large':>10}{'ratio':>8}")
        for name in VIEWS:
            (qs, ts), (ql, tl) = small[name], large[name]
            print(f"{name:<16}{qs:>12}{ql:>12}{ts:>10.1f}{tl:>10.1f}{tl / ts if ts else 0:>8.1f}")
        if not opts.database_url:
            db.drop_all()


if __name__ == "__main__":
    main()
