"""The owners' Billing pages: plan, next invoice, payment method, invoices (HTML and PDF), details."""

from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("billing", __name__)

from app.web.billing import routes, stripe  # noqa: E402,F401
