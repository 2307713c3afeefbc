"""The plan catalogue and changing a tenant's plan."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select

from app.extensions import db
from app.models import PLAN_SEED, RESOURCES, Plan, Tenant
from app.models.enums import TenantStatus
from app.services import tenant_status
from app.services.audit import Actor, record
from app.services.errors import NotFound, PermissionDenied, PlanDowngradeBlocked
from app.services.formatting import format_quantity
from app.services.quotas import custom_limits, limits_for, usage_for
from app.services.transaction import lock_tenant, unit_of_work

# Resources whose current usage blocks a downgrade. API calls are a monthly flow that resets
# on the 1st; a tenant over the new plan's allowance just meets 429 until then.
DOWNGRADE_BLOCKING_RESOURCES = ("users", "storage")


def list_plans() -> list[Plan]:
    """All plans, cheapest first."""
    return list(db.session.scalars(select(Plan).order_by(Plan.sort_order)))


def get_plan(code: str) -> Plan:
    plan = db.session.get(Plan, (code or "").strip().lower())
    if plan is None:
        codes = ", ".join(p["code"] for p in PLAN_SEED)
        raise NotFound(gettext("There is no plan %(code)s; choose one of %(codes)s.", code=repr(code), codes=codes), field="plan",
                       code="plan_not_found")
    return plan


def ensure_plans_seeded() -> None:
    """Insert or refresh the four plans of the release notes (idempotent)."""
    for row in PLAN_SEED:
        plan = db.session.get(Plan, row["code"])
        if plan is None:
            db.session.add(Plan(**row))
        else:
            for key, value in row.items():
                setattr(plan, key, value)
    db.session.commit()


def downgrade_blockers(tenant: Tenant, new_plan: Plan) -> list[str]:
    """What current usage exceeds on `new_plan`, as sentences like "23 users; the Basic plan allows 20".

    Custom quotas belong to the tenant, not to its plan: they keep applying after a plan change
    (`quotas.limits_for`). So a resource with a custom limit has the same limit on every plan, and
    a plan change cannot push it over: it never blocks a downgrade. Only what the move lowers can."""
    used = usage_for(tenant)
    new_limits = limits_for(tenant, new_plan)
    custom = custom_limits(tenant)
    reasons = []
    for resource in RESOURCES:
        limit = new_limits[resource]
        if (resource not in DOWNGRADE_BLOCKING_RESOURCES or resource in custom or limit is None
                or used[resource] <= limit):
            continue
        if resource == "users":
            reasons.append(gettext("%(used)s users; the %(new_plan)s plan allows %(limit)s", used=used[resource], new_plan=new_plan.name, limit=limit))
        else:
            reasons.append(gettext("%(resource)s stored; the %(new_plan)s plan allows %(resource2)s", resource=format_quantity(resource, used[resource]), new_plan=new_plan.name, resource2=format_quantity(resource, limit)))
    return reasons


def revive_if_expired(tenant: Tenant, actor: Actor, now: datetime | None = None) -> None:
    """Choosing a plan is how an expired subscription (or trial) continues: the tenant is active
    again, audited. Called inside the plan change's unit of work, so a refused change revives nothing."""
    if tenant_status.effective_status(tenant, now) != TenantStatus.EXPIRED:
        return
    previous = tenant.status
    tenant.status = TenantStatus.ACTIVE
    record("tenant.reactivated", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
           details={"from": previous, "by": "plan_choice"})


def change_plan(tenant: Tenant, new_plan_code: str, actor: Actor, *, override_limits: bool = False) -> Tenant:
    """Move a tenant to another plan.

    An upgrade is immediate. A downgrade that current usage exceeds is refused with
    `PlanDowngradeBlocked` naming what exceeds, unless a platform admin sets `override_limits`
    (audited). Enterprise is sales-assisted: only a platform admin can move a tenant onto it.
    """
    new_plan = get_plan(new_plan_code)
    with unit_of_work():
        lock_tenant(db.session, tenant.id)
        revive_if_expired(tenant, actor)
        old_plan = tenant.plan
        if new_plan.code == old_plan.code:
            return tenant
        if new_plan.is_custom_priced and not actor.is_platform_admin:
            raise PermissionDenied(gettext("The Enterprise plan is arranged with our sales team: contact sales to move to it."), field="new_plan", code="contact_sales")
        if override_limits and not actor.is_platform_admin:
            raise PermissionDenied(gettext("Only platform admins can override plan limits."), field="override_limits")
        blockers = downgrade_blockers(tenant, new_plan)
        if blockers and not override_limits:
            raise PlanDowngradeBlocked(
                f"Can't move to the {new_plan.name} plan: " + "; ".join(blockers) + ".",
                field="new_plan", details={"blockers": blockers},
            )
        tenant.plan_code = new_plan.code
        tenant.plan = new_plan
        direction = "upgrade" if (new_plan.sort_order > old_plan.sort_order) else "downgrade"
        record("tenant.plan_changed", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
               details={"from": old_plan.code, "to": new_plan.code, "direction": direction,
                        "override_limits": bool(override_limits and blockers), "blockers": blockers})
    return tenant
