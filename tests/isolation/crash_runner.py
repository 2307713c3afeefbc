"""A process for the crash-safety tests to kill: `python -m tests.isolation.crash_runner <scenario> ...`.

It builds the app on the test's database (CRASH_DATABASE_URL, and the test's TENANT_DATABASE_DIR
and STORAGE_DIR) and runs one operation; `CRASH_AT` (app/crashpoints.py) makes it SIGKILL itself
at the named point.
"""

from __future__ import annotations

import os
import sys

from app import create_app
from app.services.authority import Authority


def main(scenario: str, *args: str) -> None:
    overrides = {"SQLALCHEMY_DATABASE_URI": os.environ["CRASH_DATABASE_URL"]}
    for name in ("TENANT_DATABASE_DIR", "STORAGE_DIR"):
        if os.environ.get(name):
            overrides[name] = os.environ[name]
    app = create_app("testing", overrides)
    with app.app_context():
        if scenario == "create-tenant":
            from app.services import tenants

            slug, strategy = args
            tenants.create_tenant("Crash Co", slug, f"owner@{slug}.test", "free", Authority.system(),
                                  isolation_strategy=strategy)
        elif scenario == "upload-document":
            from app.services import documents, tenants
            from app.services.audit import Actor

            (slug,) = args
            documents.create_document(tenants.get_tenant(slug), Actor(label="crash test"),
                                      documents.Upload(title="Cut short", content="Written in the tenant plane."))
        elif scenario == "move-tenant":
            from app.services import tenants, tier_move
            from app.services.audit import Actor

            slug, target = args
            tier_move.move_tenant(tenants.get_tenant(slug), target, Actor.cli())
        else:
            raise SystemExit(f"unknown scenario {scenario!r}")
    print("finished")


if __name__ == "__main__":
    main(*sys.argv[1:])
