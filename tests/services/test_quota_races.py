"""A plan change racing the paths that take a seat: the limit is the one committed under the lock.

Every request loads its tenant (and so its plan) before it takes the tenant lock. A downgrade that
commits in between must be what the seat check sees; the plan loaded earlier is stale.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.models import Tenant, TenantInvitation, TenantUser, User
from app.services import invitations, members, plans, quotas
from app.services.authority import Authority
from app.services.errors import DomainError, PlanDowngradeBlocked, QuotaExceeded
from app.services.transaction import side_session
from tests import factories as f

ROUNDS = 50
INVITERS = 3
ADDERS = 1
STAGGER_S = 0.010


def _seats(tenant_id: str) -> int:
    db.session.expire_all()
    return quotas.seats_used(tenant_id)


def _downgrade_elsewhere(tenant_id: str, plan_code: str) -> None:
    """Another request's committed plan change (its own session), as a racing admin's would be."""
    with side_session() as session:
        session.get(Tenant, tenant_id).plan_code = plan_code


def _race_round(app, rng: random.Random, round_no: int, tenant_id: str,
                newcomer_ids: list[int]) -> tuple[list, str]:
    """One downgrade to Free and 7 seat-takers, each loading the tenant first, then starting 0-10 ms
    after a common barrier (a fresh random offset per thread and round)."""
    jobs = [("downgrade", None)] + [("invite", n) for n in range(INVITERS)] + [("add", u) for u in newcomer_ids]
    offsets = [rng.uniform(0, STAGGER_S) for _ in jobs]
    barrier = threading.Barrier(len(jobs), timeout=30)
    results: list = [None] * len(jobs)

    def worker(index: int) -> None:
        kind, arg = jobs[index]
        with app.app_context():
            try:
                tenant = db.session.get(Tenant, tenant_id)
                _ = tenant.plan.max_users  # what the guard has loaded before the view runs
                barrier.wait()
                time.sleep(offsets[index])
                if kind == "downgrade":
                    plans.change_plan(tenant, "free", Authority.system())
                elif kind == "invite":
                    invitations.invite(tenant, f"racer{round_no}-{arg}@example.test", "member",
                                       Authority.system())
                else:
                    members.add_member(tenant, db.session.get(User, arg), "member", Authority.system())
                results[index] = kind
            except (DomainError, Exception) as exc:  # a refusal is a result: the test inspects it
                results[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.expire_all()
    return results, db.session.get(Tenant, tenant_id).plan_code


def _reset(tenant_id: str, newcomer_ids: list[int]) -> None:
    """Back to the round's start: Professional, owner + 3 members, no invitations."""
    with side_session() as session:
        session.execute(delete(TenantInvitation).where(TenantInvitation.tenant_id == tenant_id))
        session.execute(delete(TenantUser).where(TenantUser.tenant_id == tenant_id,
                                                 TenantUser.user_id.in_(newcomer_ids)))
        session.execute(update(Tenant).where(Tenant.id == tenant_id).values(plan_code="pro"))


def test_a_downgrade_racing_invitations_and_additions_never_passes_the_new_seat_limit(app, monkeypatch):
    # The invitation emails stay queued (their job rows are written; nobody runs them): sending
    # them would be most of the test's time, and they are not what races here.
    monkeypatch.setitem(app.extensions, "jobs.backend", lambda app, job_id, name: None)
    rng = random.Random(9)
    # Accounts without passwords: hashing them would be most of the test's time.
    tenant = f.tenant(plan="pro", owner=f.user(password=None))  # owner + 3: 4 seats; Free allows 5
    for _ in range(3):
        f.member(tenant, who=f.user(password=None))
    newcomers = [f.user(password=None) for _ in range(ADDERS)]
    tenant_id, newcomer_ids = tenant.id, [u.id for u in newcomers]
    outcomes = set()
    for round_no in range(ROUNDS):
        _reset(tenant_id, newcomer_ids)

        results, plan_code = _race_round(app, rng, round_no, tenant_id, newcomer_ids)

        unexpected = [r for r in results if isinstance(r, Exception)
                      and not isinstance(r, QuotaExceeded | PlanDowngradeBlocked)]
        assert not unexpected, (round_no, results)
        seats = _seats(tenant_id)
        takers = sum(r in ("invite", "add") for r in results)
        assert seats == 4 + takers, (round_no, results)
        if plan_code == "free":
            assert seats <= 5, f"round {round_no}: {seats} seats on the 5-seat Free plan: {results}"
        else:
            assert isinstance(results[0], PlanDowngradeBlocked), (round_no, results)
            assert seats > 5, (round_no, results)
        outcomes.add(plan_code)
    # The stagger lets both orders happen: the downgrade first, and seats taken before it.
    assert outcomes == {"free", "pro"}


@pytest.fixture
def pro_tenant_at_free_limit(app):
    """A Professional tenant with 5 seats in use (owner + 4), loaded by this session: its plan is cached."""
    tenant = f.tenant(plan="pro")
    for _ in range(4):
        f.member(tenant)
    db.session.commit()
    assert tenant.plan.max_users == 50
    return tenant


def test_invite_reads_the_plan_committed_before_it_took_the_lock(app, pro_tenant_at_free_limit):
    tenant = pro_tenant_at_free_limit
    _downgrade_elsewhere(tenant.id, "free")

    with pytest.raises(QuotaExceeded) as refused:
        invitations.invite(tenant, "sixth@example.test", "member", Authority.system())

    assert refused.value.details["limit"] == 5
    assert "Free plan" in str(refused.value)
    assert _seats(tenant.id) == 5


def test_adding_a_member_reads_the_plan_committed_before_it_took_the_lock(app, pro_tenant_at_free_limit):
    tenant = pro_tenant_at_free_limit
    newcomer = f.user()
    db.session.commit()
    _downgrade_elsewhere(tenant.id, "free")

    with pytest.raises(QuotaExceeded):
        members.add_member(tenant, newcomer, "member", Authority.system())

    assert _seats(tenant.id) == 5


def test_accepting_reads_the_plan_committed_before_it_took_the_lock(app, pro_tenant_at_free_limit):
    tenant = pro_tenant_at_free_limit
    _, token = f.invitation(tenant, "late@example.test")  # a sixth seat, held while on Professional
    invitee = f.user("late@example.test")
    db.session.commit()
    invitation = invitations.lookup(token)
    assert invitation.tenant.plan.max_users == 50  # loaded before the lock, as a request would
    # A platform admin moves the tenant to Free over its usage: the invitation no longer fits.
    _downgrade_elsewhere(tenant.id, "free")

    with pytest.raises(QuotaExceeded):
        invitations.accept(token, invitee)

    assert db.session.scalar(select(func.count()).select_from(TenantUser)
                             .where(TenantUser.tenant_id == tenant.id)) == 5


def test_a_custom_seat_override_is_read_under_the_lock(app, pro_tenant_at_free_limit):
    tenant = pro_tenant_at_free_limit
    quotas.set_custom_limits(tenant, {"users": 5}, Authority.system())

    with pytest.raises(QuotaExceeded):
        invitations.invite(tenant, "sixth@example.test", "member", Authority.system())
    assert db.session.scalar(select(func.count()).select_from(TenantInvitation)
                             .where(TenantInvitation.tenant_id == tenant.id)) == 0


def test_change_plan_compares_with_the_plan_committed_before_it_took_the_lock(app):
    tenant = f.tenant(plan="pro")
    db.session.commit()
    _ = tenant.plan
    _downgrade_elsewhere(tenant.id, "free")

    plans.change_plan(tenant, "pro", Authority.system())

    db.session.expire_all()
    assert db.session.get(Tenant, tenant.id).plan_code == "pro"
