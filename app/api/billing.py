"""JSON API: a tenant's subscription and invoices, cancel/resume at the period end, billing details and
the payment method (owners; docs/billing.md). The preview of a plan change is `POST /change-plan` with
`"preview": true` (app/api/plans.py)."""

from __future__ import annotations

from typing import Literal

from flask import Response, jsonify, request
from flask_babel import gettext
from pydantic import Field

from app.api import bp
from app.api.bodies import MaybeMoment, Moment, RequestBody, ResponseBody, read_body, schemas, text
from app.api.openapi import TENANT_REF, json_request, json_response, list_schema, ref, response_refs, tenant_responses
from app.api.params import page_body, paging_args
from app.billing import details, invoices, overview, stripe_billing, subscriptions
from app.billing.documents import invoice_pdf
from app.billing.subscriptions import PlanChangePreview
from app.models import Invoice as InvoiceRow
from app.services.errors import ValidationError
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority


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


class BillingDetailsChange(RequestBody):
    """Printed on the next invoices; omitted: unchanged, empty string or null: cleared."""

    company_name: text(details.MAX_COMPANY) | None = None
    address: text(details.MAX_ADDRESS) | None = None
    tax_id: text(details.MAX_TAX_ID) | None = None
    billing_email: text(254) | None = None


class PaymentMethodChoice(RequestBody):
    method: Literal["bank_transfer", "stripe_card"] = Field(
        description="`bank_transfer` (manual provider), or `stripe_card`: a card Stripe.js tokenised.")
    payment_method_id: text(64) | None = Field(None, description="With `stripe_card`: the `pm_...` id.")


def _tenant():
    return current_tenant._get_current_object()


def _subscription_json():
    return jsonify(Subscription.model_validate(overview.overview(_tenant()).to_dict()).model_dump(mode="json"))


@bp.tenant("/subscription/cancel", "billing.manage", methods=["POST"])
def cancel_subscription():
    """Cancel at the period end: the plan stays until then, then Free (resume withdraws it)."""
    subscriptions.cancel(_tenant(), current_authority())
    return _subscription_json()


@bp.tenant("/subscription/resume", "billing.manage", methods=["POST"])
def resume_subscription():
    """Withdraw a cancellation or a downgrade waiting for the period end."""
    subscriptions.resume(_tenant(), current_authority())
    return _subscription_json()


@bp.tenant("/billing-details", "billing.read")
def get_billing_details():
    data = overview.overview(_tenant()).to_dict()["billing_details"]
    return jsonify(BillingDetails.model_validate(data).model_dump(mode="json"))


@bp.tenant("/billing-details", "billing.manage", methods=["PATCH"])
def update_billing_details():
    body = read_body(BillingDetailsChange)
    current = overview.overview(_tenant()).to_dict()["billing_details"]
    changes = {**current, **{name: value or None for name, value in body.model_dump(exclude_unset=True).items()}}
    saved = details.update_details(_tenant(), details.BillingDetails(**changes), current_authority())
    return jsonify(BillingDetails(company_name=saved.company_name, address=saved.address, tax_id=saved.tax_id,
                                  billing_email=saved.billing_email).model_dump(mode="json"))


@bp.tenant("/payment-method", "billing.manage", methods=["POST"])
def choose_payment_method():
    """Bank transfer, or a Stripe card (then the open invoices are charged to it at once)."""
    body = read_body(PaymentMethodChoice)
    if body.method == "bank_transfer":
        details.choose_bank_transfer(_tenant(), current_authority())
    else:
        if not body.payment_method_id:
            raise ValidationError(gettext("A Stripe card needs its payment_method_id (pm_...)."),
                                  field="payment_method_id")
        stripe_billing.attach_card(_tenant(), body.payment_method_id, current_authority())
    return _subscription_json()


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


OPENAPI_COMPONENTS = schemas(Subscription, Invoice, PlanPreview, BillingDetails, BillingDetailsChange,
                             PaymentMethodChoice)

_INVOICE_ID = {"name": "invoice_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1},
               "description": "The invoice's id (`id`, not its number)."}

_WRITE_ERRORS = response_refs("413", "422")


def _subscription_action(operation_id: str, summary: str) -> dict:
    return {"post": {"operationId": operation_id, "tags": ["billing"], "summary": summary,
                     "parameters": [TENANT_REF],
                     "responses": {"200": json_response("The subscription.", ref("Subscription")),
                                   **tenant_responses(), "422": {"$ref": "#/components/responses/Validation"}}}}


OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/subscription/cancel": _subscription_action(
        "cancelSubscription", "Cancel at the period end: Free from then on (owners; 422 `nothing_to_cancel` on Free)."),
    "/api/v1/tenants/{tenant_ref}/subscription/resume": _subscription_action(
        "resumeSubscription", "Withdraw a cancellation or a downgrade waiting for the period end (owners)."),
    "/api/v1/tenants/{tenant_ref}/billing-details": {
        "get": {"operationId": "getBillingDetails", "tags": ["billing"],
                "summary": "Company name, address, tax id and billing email printed on invoices (owners).",
                "parameters": [TENANT_REF],
                "responses": {"200": json_response("The billing details.", ref("BillingDetails")),
                              **tenant_responses()}},
        "patch": {"operationId": "updateBillingDetails", "tags": ["billing"],
                  "summary": "Change the billing details for the next invoices (owners; omitted: unchanged).",
                  "parameters": [TENANT_REF], "requestBody": json_request(ref("BillingDetailsChange")),
                  # A well-shaped string may still be refused: a tax id or an email address of the wrong form (422).
                  "x-content-checked": True,
                  "responses": {"200": json_response("The billing details.", ref("BillingDetails")),
                                **tenant_responses(), **_WRITE_ERRORS}},
    },
    "/api/v1/tenants/{tenant_ref}/payment-method": {"post": {
        "operationId": "choosePaymentMethod", "tags": ["billing"],
        "summary": "Pay by bank transfer, or by a Stripe card (`pm_...`; open invoices are charged to it).",
        "parameters": [TENANT_REF],
        "requestBody": json_request(ref("PaymentMethodChoice"), example={"method": "bank_transfer"}),
        # A card needs Stripe as the provider and a real `pm_` id (422).
        "x-content-checked": True,
        "responses": {"200": json_response("The subscription.", ref("Subscription")),
                      **tenant_responses(), **_WRITE_ERRORS},
    }},
    "/api/v1/tenants/{tenant_ref}/subscription": {"get": {
        "operationId": "getSubscription", "tags": ["billing"], "summary": "The tenant's subscription (owners).",
        "parameters": [TENANT_REF],
        "responses": {"200": json_response("The subscription.", ref("Subscription")), **tenant_responses()},
    }},
    "/api/v1/tenants/{tenant_ref}/invoices": {"get": {
        "operationId": "listInvoices", "tags": ["billing"], "summary": "The tenant's invoices, newest first (owners).",
        "parameters": [TENANT_REF, {"$ref": "#/components/parameters/Page"},
                       {"$ref": "#/components/parameters/PerPage"}],
        "responses": {"200": json_response("One page of invoices.", list_schema(ref("Invoice"))),
                      **tenant_responses(), "422": {"$ref": "#/components/responses/Validation"}},
    }},
    "/api/v1/tenants/{tenant_ref}/invoices/{invoice_id}": {"get": {
        "operationId": "getInvoice", "tags": ["billing"],
        "summary": "One invoice: JSON, or the PDF with `Accept: application/pdf` (owners).",
        "parameters": [TENANT_REF, _INVOICE_ID],
        "responses": {"200": {**json_response("The invoice.", ref("Invoice")),
                              "content": {"application/json": {"schema": ref("Invoice")},
                                          "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                      **tenant_responses()},
    }},
}
