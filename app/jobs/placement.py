"""Jobs that finish a tenant's schema or database when its creation was cut short."""

from __future__ import annotations

from datetime import timedelta

from app.jobs.registry import every, task
from app.services import placements


@task("placement.repair", max_retries=5, backoff=10, backoff_max=600)
def repair(tenant_id: str) -> None:
    placements.repair(tenant_id)


@task("placement.repair_unready", schedule=every(timedelta(minutes=1)), max_retries=0)
def repair_unready() -> None:
    placements.repair_unready()


@task("documents.reconcile", schedule=every(timedelta(minutes=10)), max_retries=0)
def reconcile_documents() -> None:
    """Database tenants' documents whose control-plane audit event or counter a crash cut short."""
    from app.services import documents

    documents.reconcile_all("database")


@task("placement.move", max_retries=3, backoff=10, backoff_max=600)
def move_tenant(move_id: int) -> None:
    """Carry a recorded tier move on to its end (resumes from its phase if retried)."""
    from app.services import tier_move

    tier_move.run_move(move_id)
