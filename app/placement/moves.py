"""The record of a tenant's move between isolation tiers (control plane), one row per move.

`phase` is where the move stands, written after each step commits, so a move cut short (kill -9)
is resumed from it by running it again (`app.services.tier_move`):

    copying    the target placement is being built and filled; reads and writes go to the source
    switching  writes are refused (423 `tenant_migrating`) while the last changes are copied,
               verified and the tenant's placement is switched in one transaction
    switched   the tenant lives on the target; the old copy is still to be dropped
    done       the old copy is dropped
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime

MOVE_PHASES = ("copying", "switching", "switched", "done")
UNFINISHED_PHASES = ("copying", "switching", "switched")


class TenantMove(db.Model):
    __tablename__ = "tenant_moves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(16))
    phase: Mapped[str] = mapped_column(String(16))
    # Per table: {"rows": n, "checksum": "..."} of the copy that was verified before the switch.
    verified: Mapped[dict | None] = mapped_column(JSON)
    copied_rows: Mapped[int] = mapped_column(Integer, default=0)
    actor_label: Mapped[str] = mapped_column(String(254))
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
