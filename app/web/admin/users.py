"""`/admin/users`: people across every tenant, their memberships, disabling, platform admin."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.services import accounts, mfa, platform_users
from app.services.errors import DomainError
from app.services.pagination import clamp_paging
from app.tenancy.principal import current_authority
from app.web.admin import bp
from app.web.admin.forms import ActionForm
from app.web.rendering import render_page


def _list_args() -> dict:
    """The list's query string, kept across an action so the admin lands where they were."""
    args = {k: request.values.get(k) for k in ("q", "admins", "page") if request.values.get(k)}
    return args


@bp.platform("/users")
def user_list():
    q = (request.args.get("q") or "").strip()[:100]
    admins_only = request.args.get("admins") == "1"
    page_n, _per = clamp_paging(request.args.get("page", 1), 25)
    page = platform_users.search_users(q, admins_only=admins_only, page=page_n, per_page=25)
    args = {"q": q, "admins": "1" if admins_only else None}
    return render_page("admin/users.html", block="user_table", page=page, q=q, admins_only=admins_only,
                       page_url=lambda n: url_for("admin.user_list", page=n, **{k: v for k, v in args.items() if v}),
                       memberships=platform_users.memberships_of([u.id for u in page.items]),
                       two_factor_ids=mfa.users_with_two_factor([u.id for u in page.items]),
                       action_form=ActionForm(formdata=None),
                       admin_count=accounts.count_platform_admins())


USER_ACTIONS = {
    "disable": (platform_users.disable_user, _l("%(email)s is disabled and signed out everywhere.")),
    "enable": (platform_users.enable_user, _l("%(email)s can sign in again.")),
    "grant-admin": (platform_users.grant_platform_admin, _l("%(email)s is now a platform admin.")),
    "revoke-admin": (platform_users.revoke_platform_admin, _l("%(email)s is no longer a platform admin.")),
    "reset-2fa": (mfa.admin_reset, _l("Two-factor authentication of %(email)s is off; they were told by email.")),
}


@bp.platform("/users/<int:user_id>/<any(disable, enable, 'grant-admin', 'revoke-admin', 'reset-2fa'):action>",
             methods=["POST"])
def user_action(user_id: int, action: str):
    user = accounts.get_user(user_id)
    service, message = USER_ACTIONS[action]
    if ActionForm().validate_on_submit():
        # Granting the console is typed out, not clicked: the admin types the person's email.
        if action == "grant-admin" and (request.form.get("confirm") or "").strip().lower() != user.email.lower():
            flash(_("To make %(email)s a platform admin, type their email address to confirm.", email=user.email),
                  "danger")
            return redirect(url_for("admin.user_list", **_list_args()))
        try:
            service(user, current_authority())
        except DomainError as exc:
            flash(exc.message, "danger")
        else:
            flash(str(message) % {"email": user.email}, "success")
    return redirect(url_for("admin.user_list", **_list_args()))
