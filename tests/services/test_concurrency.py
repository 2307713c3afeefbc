"""Races a busy tenant meets: two owners demoting each other, two admins taking the last seat."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.extensions import db
from app.models import TenantInvitation, TenantUser
from app.services import invitations, members
from app.services.authority import Authority
from app.services.errors import DomainError
from tests import factories as f
from tests.conftest import build_app


def run_in_parallel(database_url: str, jobs) -> list[object]:
    """Run each job in its own thread and app instance at the same moment; collect results."""
    # Apps are built here, not in the threads: CPython 3.11.7's compiler is not thread-safe
    # (werkzeug compiles URL rules with ast.parse), and a thread dying in create_app would
    # leave the others waiting at the barrier.
    apps = [build_app(database_url) for _ in jobs]
    barrier = threading.Barrier(len(jobs), timeout=30)
    results: list[object] = [None] * len(jobs)

    def worker(index: int, job) -> None:
        app = apps[index]
        with app.app_context():
            barrier.wait()
            try:
                results[index] = job()
            except DomainError as exc:
                results[index] = exc
            except Exception as exc:  # a database error is a result too: the test inspects it
                results[index] = exc
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_owners_demoting_each_other_at_once_leave_one_owner(app, database_url):
    tenant = f.tenant()
    first, second = tenant.owner, f.member(tenant, "owner")
    tenant_id, first_id, second_id = tenant.id, first.id, second.id

    def demote(user_id: int):
        def job():
            from app.services.tenants import get_tenant

            members.change_role(get_tenant(tenant_id), user_id, "admin", Authority.system())
            return "demoted"
        return job

    results = run_in_parallel(database_url, [demote(first_id), demote(second_id)])

    assert results.count("demoted") == 1, results
    db.session.expire_all()
    owners = db.session.scalar(select(func.count()).select_from(TenantUser)
                               .where(TenantUser.tenant_id == tenant_id, TenantUser.role == "owner"))
    assert owners == 1


def test_parallel_invitations_never_pass_the_users_quota(app, database_url):
    tenant = f.tenant(plan="free")  # 1 of 5 seats used by the owner
    tenant_id = tenant.id

    def invite(n: int):
        def job():
            from app.services.tenants import get_tenant

            invitations.invite(get_tenant(tenant_id), f"racer{n}@example.test", "member", Authority.system())
            return "invited"
        return job

    results = run_in_parallel(database_url, [invite(n) for n in range(8)])

    assert results.count("invited") == 4, results
    pending = db.session.scalar(select(func.count()).select_from(TenantInvitation)
                                .where(TenantInvitation.tenant_id == tenant_id))
    assert pending == 4
