"""Subscription plans: the price and the limits a tenant gets."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

GIB = 2**30

# What each plan includes beyond its limits (issue 17). Every plan includes what the one below it
# does; the keys are the catalogue of `app.services.entitlements`.
BASIC_ENTITLEMENTS = ["audit_export", "webhooks"]
PRO_ENTITLEMENTS = [*BASIC_ENTITLEMENTS, "custom_roles", "scim", "sso"]

# The release notes' four plans. Enterprise has a custom price and no limits (None = unlimited).
PLAN_SEED: list[dict] = [
    {"code": "free", "name": "Free", "price_cents": 0, "max_users": 5,
     "max_storage_bytes": 1 * GIB, "max_api_calls_per_month": 1_000, "sort_order": 0, "entitlements": []},
    {"code": "basic", "name": "Basic", "price_cents": 9_900, "max_users": 20,
     "max_storage_bytes": 10 * GIB, "max_api_calls_per_month": 10_000, "sort_order": 1,
     "entitlements": BASIC_ENTITLEMENTS},
    {"code": "pro", "name": "Professional", "price_cents": 29_900, "max_users": 50,
     "max_storage_bytes": 50 * GIB, "max_api_calls_per_month": 50_000, "sort_order": 2,
     "entitlements": PRO_ENTITLEMENTS},
    {"code": "enterprise", "name": "Enterprise", "price_cents": None, "max_users": None,
     "max_storage_bytes": None, "max_api_calls_per_month": None, "sort_order": 3,
     "entitlements": PRO_ENTITLEMENTS},
]
PLAN_CODES: tuple[str, ...] = tuple(row["code"] for row in PLAN_SEED)


class Plan(db.Model):
    __tablename__ = "plans"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # Integer cents; None means "custom price" (enterprise, agreed with sales).
    price_cents: Mapped[int | None] = mapped_column(Integer)
    max_users: Mapped[int | None] = mapped_column(Integer)
    max_storage_bytes: Mapped[int | None] = mapped_column(BigInteger)
    max_api_calls_per_month: Mapped[int | None] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # The feature keys the plan includes (`services.entitlements.CATALOGUE`), a sorted list.
    entitlements: Mapped[list] = mapped_column(JSON, default=list)

    @property
    def is_custom_priced(self) -> bool:
        return self.price_cents is None

    def limit_for(self, resource: str) -> int | None:
        return getattr(self, RESOURCE_COLUMNS[resource])

    def __repr__(self) -> str:
        return f"<Plan {self.code}>"


# The three metered resources, and the plan column holding each one's limit.
RESOURCE_COLUMNS = {
    "users": "max_users",
    "storage": "max_storage_bytes",
    "api_calls": "max_api_calls_per_month",
}
RESOURCES = tuple(RESOURCE_COLUMNS)
