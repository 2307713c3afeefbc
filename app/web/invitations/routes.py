"""Invitations: invite by email (the seat quota checked), resend, revoke, and the accept page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.services import accounts, invitations, quotas
from app.services.authority import grantable_roles
from app.services.errors import DomainError, InvitationInvalid, NotFound, QuotaExceeded
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority
from app.web.auth.sign_in import complete_sign_in, sign_out
from app.web.invitations import bp
from app.web.invitations.forms import AcceptForm, InviteForm, JoinAsNewUserForm
from app.web.members.forms import ROLE_LABELS, role_choices
from app.web.rendering import is_htmx, render_page, show_error

TEMPLATE = "invitations/index.html"


def _context(form: InviteForm | None = None, **extra) -> dict:
    tenant = current_tenant._get_current_object()
    form = form or InviteForm()
    form.role.choices = role_choices([r for r in grantable_roles(current_authority(), tenant) if r != "owner"] or ["viewer"])
    users_line = next(line for line in quotas.quota_report(tenant) if line.resource == "users")
    return {"form": form, "pending": invitations.list_invitations(tenant), "users_line": users_line,
            "role_labels": ROLE_LABELS, "quota_error": None, "focus_invitation_id": None,
            "plan_url": url_for("plans.index", tenant_slug=tenant.slug), **extra}


def _back():
    return redirect(url_for("invitations.index", tenant_slug=current_tenant.slug))


@bp.tenant("/invitations", "invitations.manage")
def index():
    return render_page(TEMPLATE, block="invitations", **_context())


@bp.tenant("/invitations", "invitations.manage", methods=["POST"])
def create():
    tenant = current_tenant._get_current_object()
    form = InviteForm()
    ctx_form = form
    quota_error = None
    if form.validate_on_submit():
        try:
            sent = invitations.invite(tenant, form.email.data, form.role.data, current_authority())
        except QuotaExceeded as exc:
            quota_error = exc.message
        except DomainError as exc:
            show_error(form, exc, fallback="email")
        else:
            if sent.email_sent:
                flash(_("Invitation sent to %(email)s.", email=sent.invitation.email), "success")
            else:
                flash(_("The invitation to %(email)s was created, but the email could not be sent yet. "
                        "It is retried automatically; Resend sends a fresh link.", email=sent.invitation.email),
                      "warning")
            if not is_htmx():
                return _back()
            ctx_form = InviteForm(formdata=None)
            return render_page(TEMPLATE, block="invitations", oob_blocks=("flashes_oob",),
                               **_context(ctx_form, focus_invitation_id=sent.invitation.id))
    status = 200 if is_htmx() else 422  # htmx swaps 2xx only; the form shows its own errors
    # Out of band, the flash area empties: an earlier "sent" message must not sit beside this error.
    return render_page(TEMPLATE, block="invitations", status=status, oob_blocks=("flashes_oob",) if is_htmx() else (),
                       **_context(ctx_form, quota_error=quota_error))


def _row_action(invitation_id: int, action):
    """Run a resend or revoke; say how it went in a flash, and show the list as it now is."""
    tenant = current_tenant._get_current_object()
    try:
        _invitation, message = action(tenant)
    except NotFound:
        raise  # another tenant's invitation: 404, like any unknown one
    except DomainError as exc:
        flash(exc.message, "danger")
    else:
        flash(message, "success")
    if not is_htmx():
        return _back()
    # The focus goes back to the row acted on, or to the list's heading when the row is gone.
    return render_page(TEMPLATE, block="invitations", oob_blocks=("flashes_oob",),
                       **_context(focus_invitation_id=invitation_id))


@bp.tenant("/invitations/<int:invitation_id>/resend", "invitations.manage", methods=["POST"])
def resend(invitation_id: int):
    def action(tenant):
        sent = invitations.resend(tenant, invitation_id, current_authority())
        if not sent.email_sent:
            return sent.invitation, _("A new link was made, but the email could not be sent yet; "
                                      "it is retried automatically.")
        return sent.invitation, _("A fresh link was sent to %(email)s.", email=sent.invitation.email)

    return _row_action(invitation_id, action)


@bp.tenant("/invitations/<int:invitation_id>/revoke", "invitations.manage", methods=["POST"])
def revoke(invitation_id: int):
    def action(tenant):
        invitation = invitations.revoke(tenant, invitation_id, current_authority())
        return invitation, _("The invitation to %(email)s was revoked.", email=invitation.email)

    return _row_action(invitation_id, action)


# --- The emailed link -------------------------------------------------------------------------

def _invalid_page(exc: DomainError):
    return render_template("invitations/invalid.html", message=exc.message, code=exc.code), 410


@bp.public("/invitations/<token>", methods=["GET", "POST"])
def accept(token: str):
    """One page for everyone holding the link: a new person sets a name and password, an
    existing user signs in (or is signed in) and joins with one click."""
    try:
        invitation = invitations.lookup(token)
    except InvitationInvalid as exc:
        return _invalid_page(exc)
    tenant = invitation.tenant
    has_account = accounts.find_user(invitation.email) is not None
    signed_in_as_invitee = current_user.is_authenticated and current_user.email == invitation.email
    new_user_form = JoinAsNewUserForm()
    accept_form = AcceptForm()
    if request.method == "POST":
        new_account = False
        try:
            if signed_in_as_invitee and accept_form.validate_on_submit():
                invitations.accept(token, current_user._get_current_object(),
                                   current_authority())
                user = current_user._get_current_object()
            elif not has_account and not current_user.is_authenticated and new_user_form.validate_on_submit():
                user, _membership = invitations.accept_as_new_user(token, new_user_form.name.data,
                                                                   new_user_form.password.data, ip=request.remote_addr)
                new_account = True
            else:
                user = None
        except InvitationInvalid as exc:
            if exc.code in invitations.INVALID_REASONS:
                return _invalid_page(exc)
            new_user_form.form_errors.append(exc.message)
            user = None
        except DomainError as exc:
            show_error(new_user_form, exc, fallback="password")
            user = None
        if user is not None:
            landing = url_for("dashboard.index", tenant_slug=tenant.slug)
            response = complete_sign_in(user, method="invitation", next_url=landing) if new_account \
                else redirect(landing)
            flash(_("Welcome to %(org)s! You joined as %(role)s.", org=tenant.name,
                    role=ROLE_LABELS.get(invitation.role, invitation.role)), "success")
            return response
    return render_template("invitations/accept.html", invitation=invitation, tenant=tenant, token=token,
                           has_account=has_account, signed_in_as_invitee=signed_in_as_invitee,
                           form=new_user_form, accept_form=accept_form, role_labels=ROLE_LABELS), \
        (422 if request.method == "POST" else 200)


@bp.public("/invitations/<token>/switch-account", methods=["POST"])
def switch_account(token: str):
    """Signed in as someone else: sign out and come back to the link to sign in as the invitee."""
    sign_out()
    return redirect(url_for("auth.login", next=url_for("invitations.accept", token=token)))
