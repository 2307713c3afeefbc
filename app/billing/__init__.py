"""Subscription billing: plain-Python rules beside `app/services` (docs/billing.md).

    money        integer cents with a currency, and how they print
    periods      monthly periods anchored on a day of the month (short months clamp)
    proration    the arithmetic of a mid-period upgrade, by seconds
    invoices     numbered invoices and their lines, credits, payments
    subscriptions  a tenant's subscription: preview and change of plan, cancel/resume, renewal
    providers/   how money is collected: the built-in manual provider (and Stripe)

Adapters (web, API, CLI, jobs) call these; nothing here imports a request, a template or Celery.
"""
