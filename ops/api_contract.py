"""The API's contract, checked from outside: schemathesis' own CLI against a live server.

    .venv/bin/python ops/api_contract.py [--max-examples 25] [--phases stateful]

Builds a fresh SQLite database with one Enterprise tenant (unlimited calls, so metering never cuts
the run short), its owner, a member, an invitation and two keys (platform and the owner's), serves
the app over HTTP on 127.0.0.1 (werkzeug, in a thread), then runs

    schemathesis run <server>/api/v1/openapi.json --phases <phases> ...   (every check: [checks] enabled)

once with each key. The stateful phase follows the document's OpenAPI links (createInvitation's id
into resend and revoke, a document's id into get and delete, ...). `path.tenant_ref` is pinned to
the tenant, as the pytest contract tests pin it; everything else is generated. Exit status: the
first failing run's. `.ci/run` runs it; the seed is fixed, so a run is repeatable.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = 20261202


def build_world(app) -> dict[str, str]:
    """The tenant and the two keys the runs use, through the services (as an operator would)."""
    from app.extensions import db
    from app.services import accounts, api_keys, invitations, members, tenants
    from app.services.authority import Authority
    from app.services.plans import ensure_plans_seeded

    with app.app_context():
        db.create_all()
        ensure_plans_seeded()
        cli = Authority.cli()
        tenant = tenants.create_tenant("Contract", "contract", "owner@contract.test", "enterprise", cli)
        member = accounts.build_user("member@contract.test", "a long enough secret", "Member")
        db.session.commit()
        members.add_member(tenant, member, "member", cli)
        invitations.invite(tenant, "invitee@contract.test", "member", cli)
        _, platform_key = api_keys.create_key(None, "contract platform", "admin", cli)
        _, owner_key = api_keys.create_key(tenant, "contract owner", "owner", cli)
        return {"tenant": tenant.id, "platform": platform_key, "owner": owner_key}


def schemathesis_config(app, tenant_id: str) -> str:
    """schemathesis.toml for the runs: the tenant pinned wherever a request names one (the header and
    the query naming two tenants is a documented 400 `tenant_conflict`, tested on its own), and the
    positive-data check off for operations whose bodies are judged by their content
    (`x-content-checked`: a well-shaped domain or invitation token may still be refused)."""
    from app.api.openapi import build_document

    with app.app_context():
        document = build_document()
    # Every check, as `--checks all` would say; in the file rather than on the command line, because a
    # command-line option outranks the per-operation exceptions below.
    lines = ["[checks]", "enabled = true", "", "[parameters]", f'"path.tenant_ref" = "{tenant_id}"', f'"header.X-Tenant-ID" = "{tenant_id}"',
             f'"query.tenant_id" = "{tenant_id}"', ""]
    for item in document["paths"].values():
        for key, operation in item.items():
            if key != "parameters" and operation.get("x-content-checked"):
                lines += ["[[operations]]", f'include-operation-id = "{operation["operationId"]}"',
                          "checks.positive_data_acceptance.enabled = false", ""]
    return "\n".join(lines)


def serve(app) -> tuple[str, object]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("API_CONTRACT_EXAMPLES", "25")))
    parser.add_argument("--phases", default="stateful")
    args = parser.parse_args()

    from app import create_app

    workdir = Path(tempfile.mkdtemp(prefix="api-contract-"))
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'contract.db'}",
                                 "STORAGE_ROOT": str(workdir / "files")})
    world = build_world(app)
    base, server = serve(app)
    config = workdir / "schemathesis.toml"
    config.write_text(schemathesis_config(app, world["tenant"]))
    status = 0
    try:
        for who in ("platform", "owner"):
            started = time.monotonic()
            command = [str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(config), "run",
                       f"{base}/api/v1/openapi.json", "--phases", args.phases,
                       "--max-examples", str(args.max_examples), "--seed", str(SEED),
                       "--generation-with-security-parameters", "false",
                       "-H", f"Authorization: Bearer {world[who]}", "--workers", "1"]
            result = subprocess.run(command, cwd=workdir, check=False)
            print(f"== schemathesis ({args.phases}, {who} key): exit {result.returncode} "
                  f"in {time.monotonic() - started:.0f} s", flush=True)
            status = status or result.returncode
    finally:
        server.shutdown()
    return status


if __name__ == "__main__":
    sys.exit(main())
