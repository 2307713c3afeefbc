"""`/admin/emails`: the outbox. Every message the product sent or is still trying to send."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.models import EMAIL_STATUSES
from app.services import emails
from app.services.errors import DomainError
from app.services.pagination import clamp_paging
from app.tenancy.principal import current_authority
from app.web.admin import bp
from app.web.admin.forms import ActionForm
from app.web.rendering import render_page

STATUS_LABELS = {"queued": _l("Queued"), "retrying": _l("Retrying"), "sent": _l("Sent"), "failed": _l("Failed"),
                 "cancelled": _l("Cancelled")}


@bp.platform("/emails")
def email_list():
    status = request.args.get("status") if request.args.get("status") in EMAIL_STATUSES else None
    page_n, _per = clamp_paging(request.args.get("page", 1), 25)
    page = emails.list_emails(status, page=page_n, per_page=25)
    return render_page("admin/emails.html", block="email_table", page=page, status=status,
                       statuses=EMAIL_STATUSES, labels=STATUS_LABELS, counts=emails.status_counts(), action_form=ActionForm(formdata=None),
                       page_url=lambda n: url_for("admin.email_list", page=n, **({"status": status} if status else {})))


@bp.platform("/emails/<int:email_id>/retry", methods=["POST"])
def email_retry(email_id: int):
    if ActionForm().validate_on_submit():
        try:
            email = emails.retry(email_id, current_authority())
        except DomainError as exc:
            flash(exc.message, "danger")
        else:
            if email.status == "sent":
                flash(_("The email to %(to)s was sent.", to=email.to_address), "success")
            else:
                flash(_("The email to %(to)s is queued again.", to=email.to_address), "success")
    status = request.args.get("status")
    return redirect(url_for("admin.email_list", **({"status": status} if status in EMAIL_STATUSES else {})))
