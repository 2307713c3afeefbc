"""Data export jobs: build a requested zip, and clean up expired ones (app/services/exports.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

from app.jobs.registry import every, task
from app.services import exports

log = logging.getLogger(__name__)


# No retries: a failed build is recorded on the export (`failed`) and the owner asks again.
@task("exports.build", max_retries=0)
def build(export_id: int) -> None:
    exports.build(export_id)


@task("exports.expire", schedule=every(timedelta(hours=1)))
def expire() -> None:
    changed = exports.expire()
    if changed:
        log.info("data exports: %d expired or failed", changed)
