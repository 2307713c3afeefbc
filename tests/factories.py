"""Build the world a test needs, through the services (so every invariant holds), in one line each."""

from __future__ import annotations

import itertools

from app.extensions import db
from app.models import Tenant, TenantInvitation, User
from app.services import accounts, api_keys, invitations, members, tenants
from app.services.authority import Authority

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)
SYSTEM = Authority.system()


def user(email: str | None = None, *, password: str | None = PASSWORD, name: str = "",
         admin: bool = False, verified: bool = True) -> User:
    """An account; its address verified unless `verified=False` (a fresh self-service sign-up)."""
    n = next(_seq)
    created = accounts.build_user(email or f"user{n}@example.test", password, name or f"User {n}",
                                  is_platform_admin=admin, email_verified=verified)
    db.session.commit()
    return created


def tenant(slug: str | None = None, *, plan: str = "free", owner: User | None = None, status: str | None = None,
           name: str | None = None, isolation: str | None = None) -> Tenant:
    """A tenant with an owner. `status` may be any status; non-initial ones are reached via services."""
    n = next(_seq)
    slug = slug or f"tenant-{n}"
    owner = owner or user(f"owner-{slug}@example.test")
    initial = status if status in ("trial", "active") else "active"
    created = tenants.build_tenant(name or f"Tenant {slug}", slug, owner, plan, SYSTEM, status=initial,
                                   isolation_strategy=isolation)
    db.session.commit()
    if status == "suspended":
        tenants.suspend(created, "Test suspension", SYSTEM)
    elif status == "expired":
        tenants.set_status(created, "expired", SYSTEM)
    elif status == "deleted":
        tenants.soft_delete(created, SYSTEM)
    return created


def member(t: Tenant, role: str = "member", who: User | None = None) -> User:
    """Add a (new, unless given) user to the tenant with `role`."""
    who = who or user()
    members.add_member(t, who, role, SYSTEM)
    return who


def invitation(t: Tenant, email: str | None = None, role: str = "member") -> tuple[TenantInvitation, str]:
    sent = invitations.invite(t, email or f"invitee{next(_seq)}@example.test", role, SYSTEM)
    return sent.invitation, sent.token


def api_key(t: Tenant | None, role: str = "admin", name: str | None = None) -> str:
    """A key's secret: bound to `t` with `role`, or a platform key when `t` is None. Names are unique
    among active keys, so each unnamed one gets a number."""
    _, secret = api_keys.create_key(t, name or f"test key {next(_key_numbers)}", role, SYSTEM)
    return secret


_key_numbers = itertools.count(1)
