"""JSON API: a tenant's subscription and invoices (owners; docs/billing.md). The preview of a plan
change is `POST /change-plan` with `"preview": true` (app/api/plans.py)."""

from __future__ import annotations

from flask import Response, jsonify, request
from pydantic import Field

from app.api import bp
from app.api.bodies import MaybeMoment, Moment, ResponseBody, schemas
from app.api.openapi import json_response, list_schema, ref, tenant_responses
from app.api.params import page_body, paging_args
from app.billing import invoices, overview
from app.billing.documents import invoice_pdf
from app.billing.subscriptions import PlanChangePreview
from app.models import Invoice as InvoiceRow
from app.tenancy.context import current_tenant


class Amount(ResponseBody):
    amount_cents: int = Field(description="Integer cents.")
    currency: str
    formatted: str


class BillingDetails(ResponseBody):
    company_name: str | None
    address: str | None
    tax_id: str | None
    billing_email: str | None


class Subscription(ResponseBody):
    tenant_id: str
    status: str
    plan: str
    price: Amount
    currency: str
    provider: str
    in_trial: bool
    trial_ends_at: MaybeMoment
    current_period_start: Moment
    current_period_end: Moment
    cancel_at_period_end: bool
    scheduled_plan: str | None = Field(description="A downgrade (or cancellation: free) waiting for the period end.")
    next_invoice_at: Moment
    next_invoice_amount: Amount
    payment_method: str | None
    credit: Amount
    open_total: Amount
    past_due_since: MaybeMoment
    deletion_date: MaybeMoment
    billing_details: BillingDetails


class InvoiceLine(ResponseBody):
    position: int
    kind: str
    description: str
    amount_cents: int
    plan: str | None
    period_start: MaybeMoment
    period_end: MaybeMoment


class Invoice(ResponseBody):
    id: int
    number: str
    status: str
    reason: str
    currency: str
    total_cents: int
    issued_at: Moment
    due_at: Moment
    paid_at: MaybeMoment
    period_start: MaybeMoment
    period_end: MaybeMoment
    bill_to: dict[str, str]
    lines: list[InvoiceLine]

    @classmethod
    def of(cls, row: InvoiceRow) -> Invoice:
        return cls(id=row.id, number=row.display_number, status=row.status, reason=row.reason, currency=row.currency,
                   total_cents=row.total_cents, issued_at=row.issued_at, due_at=row.due_at, paid_at=row.paid_at,
                   period_start=row.period_start, period_end=row.period_end,
                   bill_to={k: str(v) for k, v in (row.bill_to or {}).items()},
                   lines=[InvoiceLine(position=line.position, kind=line.kind, description=line.description,
                                      amount_cents=line.amount_cents, plan=line.plan_code,
                                      period_start=line.period_start, period_end=line.period_end)
                          for line in row.lines])


class LimitChange(ResponseBody):
    resource: str
    old_limit: int | None
    new_limit: int | None
    used: int
    over: bool = Field(description="Current usage exceeds the new limit.")
    blocks: bool = Field(description="This resource's overage blocks a downgrade (API calls never do).")


class ProrationLine(ResponseBody):
    kind: str
    description: str
    amount_cents: int


class PlanPreview(ResponseBody):
    """What confirming the change would do; nothing was changed."""

    preview: bool = True
    current_plan: str
    new_plan: str
    direction: str
    new_price: Amount
    charged_today: Amount
    proration_lines: list[ProrationLine]
    effective_at: Moment
    next_invoice_at: Moment
    next_invoice_amount: Amount
    limit_changes: list[LimitChange]
    overages: list[LimitChange]
    blockers: list[str]
    in_trial: bool

    @classmethod
    def of(cls, preview: PlanChangePreview) -> PlanPreview:
        return cls.model_validate({**preview.to_dict(), "effective_at": preview.effective_at,
                                   "next_invoice_at": preview.next_invoice_at})


@bp.tenant("/subscription", "billing.read")
def subscription():
    """Plan, period, next invoice, payment method, credit and what is owed."""
    data = overview.overview(current_tenant._get_current_object()).to_dict()
    return jsonify(Subscription.model_validate(data).model_dump(mode="json"))


@bp.tenant("/invoices", "billing.read")
def list_invoices():
    """The tenant's invoices, newest first."""
    page, per_page = paging_args()
    body = page_body(invoices.page_invoices(current_tenant.id, page, per_page),
                     lambda row: Invoice.of(row).model_dump(mode="json"))
    return jsonify(body)


@bp.tenant("/invoices/<int:invoice_id>", "billing.read")
def get_invoice(invoice_id: int):
    """One invoice as JSON, or as its PDF with `Accept: application/pdf`."""
    row = invoices.get_invoice(current_tenant._get_current_object(), invoice_id)
    if request.accept_mimetypes.best_match(["application/json", "application/pdf"]) == "application/pdf":
        return Response(invoice_pdf(row), mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{row.display_number}.pdf"'})
    return jsonify(Invoice.of(row).model_dump(mode="json"))


OPENAPI_COMPONENTS = schemas(Subscription, Invoice, PlanPreview)

_TENANT_REF = {"$ref": "#/components/parameters/TenantRef"}
_INVOICE_ID = {"name": "invoice_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1},
               "description": "The invoice's id (`id`, not its number)."}

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/subscription": {"get": {
        "operationId": "getSubscription", "tags": ["billing"], "summary": "The tenant's subscription (owners).",
        "parameters": [_TENANT_REF],
        "responses": {"200": json_response("The subscription.", ref("Subscription")), **tenant_responses()},
    }},
    "/api/v1/tenants/{tenant_ref}/invoices": {"get": {
        "operationId": "listInvoices", "tags": ["billing"], "summary": "The tenant's invoices, newest first (owners).",
        "parameters": [_TENANT_REF, {"$ref": "#/components/parameters/Page"},
                       {"$ref": "#/components/parameters/PerPage"}],
        "responses": {"200": json_response("One page of invoices.", list_schema(ref("Invoice"))),
                      **tenant_responses(), "422": {"$ref": "#/components/responses/Validation"}},
    }},
    "/api/v1/tenants/{tenant_ref}/invoices/{invoice_id}": {"get": {
        "operationId": "getInvoice", "tags": ["billing"],
        "summary": "One invoice: JSON, or the PDF with `Accept: application/pdf` (owners).",
        "parameters": [_TENANT_REF, _INVOICE_ID],
        "responses": {"200": {**json_response("The invoice.", ref("Invoice")),
                              "content": {"application/json": {"schema": ref("Invoice")},
                                          "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                      **tenant_responses()},
    }},
}
