"""The built-in provider: invoices are paid by bank transfer and marked paid by a platform admin."""

from __future__ import annotations

from app.billing.providers import Collection
from app.models import Invoice, Subscription, Tenant

BANK_TRANSFER = "bank transfer"


class ManualProvider:
    name = "manual"

    def collect(self, tenant: Tenant, subscription: Subscription, invoice: Invoice) -> Collection:
        """Nothing to charge: the invoice waits for the transfer until its due date."""
        return Collection("pending")
