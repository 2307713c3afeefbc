"""Self-service sign-up: a new account and its own organisation, together.

Its own module because it orchestrates two others (accounts, tenants) that must not import each
other: tenants needs accounts (an owner), and sign-up needs both.
"""

from __future__ import annotations

from app import placement
from app.services import accounts, tenants
from app.services.audit import Actor, record
from app.services.errors import ValidationError
from app.services.transaction import unit_of_work


def sign_up(name: str, email: str, password: str, organisation: str, slug: str | None = None,
            ip: str | None = None):
    """Create a user and their own tenant on the Free plan, the user as owner, in one transaction.

    Either both exist afterwards or neither does: a taken slug leaves no orphan account behind.
    Returns `(user, tenant)`.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError("Name is required.", field="name")
    with unit_of_work():
        user = accounts.build_user(email, password, name)
        actor = Actor.for_user(user, ip=ip)
        record("user.signed_up", actor, target_type="user", target_id=user.id, details={"email": user.email})
        tenant = tenants.build_tenant(organisation, slug, user, "free", actor)
        user.last_tenant_id = tenant.id
    placement.provision(tenant)
    return user, tenant
