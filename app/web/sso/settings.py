"""Settings → Single sign-on: connections, "Require SSO", and verified domains."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.services import domains
from app.services.errors import DomainError
from app.services.sso import connections, enforcement
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority
from app.web.sso import bp
from app.web.sso.forms import CONNECTION_FORMS, DomainForm, RequireSsoForm

PROTOCOL_LABELS = {"oidc": "OpenID Connect", "saml": "SAML 2.0", "ldap": "LDAP"}


def registration_values(connection) -> dict[str, str]:
    """What the customer registers at their IdP for this connection (shown with copy buttons)."""
    from app.web.sso.landing import public_url, redirect_uri

    if connection.protocol == "oidc":
        return {"redirect_uri": redirect_uri(connection)}
    if connection.protocol == "saml":
        return {"entity_id": public_url("sso.saml_metadata", connection_id=connection.id),
                "acs_url": public_url("sso.saml_acs", connection_id=connection.id),
                "metadata_url": public_url("sso.saml_metadata", connection_id=connection.id)}
    return {}


def apply_errors(form, exc: DomainError) -> None:
    """Every field error of `exc` onto the form's fields (the rest onto the form)."""
    fields = exc.details.get("fields") or ({exc.field: [exc.message]} if exc.field else {})
    if not fields:
        form.form_errors.append(exc.message)
    for name, messages in fields.items():
        target = form._fields.get(name)
        if target is None:
            form.form_errors.extend(messages)
        else:
            target.errors = [*list(target.errors or []), *messages]


def _form_data(form) -> dict:
    data = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
    if isinstance(data.get("port"), str) and data["port"].strip().isdigit():
        data["port"] = int(data["port"])
    return {k: v for k, v in data.items() if v not in (None, "") or k in ("group_roles",)}


def _group_roles_text(mapping: dict) -> str:
    return "\n".join(f"{group} = {role}" for group, role in (mapping or {}).items())


@bp.tenant("/settings/sso", "sso.manage")
def index():
    return _index_page()


def _index_page(recovery_code: str | None = None, require_form=None, status: int = 200):
    tenant = current_tenant._get_current_object()
    return render_template("sso/settings.html", connections=connections.list_connections(tenant),
                           domains=domains.list_domains(tenant), labels=PROTOCOL_LABELS,
                           require_form=require_form or RequireSsoForm(data={"require_sso": tenant.config.require_sso}),
                           recovery_code=recovery_code, registration_values=registration_values), status


@bp.tenant("/settings/sso/require", "sso.manage", methods=["POST"])
def require():
    tenant = current_tenant._get_current_object()
    form = RequireSsoForm()
    if not form.validate_on_submit():
        return _index_page(require_form=form, status=422)
    try:
        code = enforcement.set_require_sso(tenant, bool(form.require_sso.data), current_authority())
    except DomainError as exc:
        apply_errors(form, exc)
        return _index_page(require_form=form, status=exc.http_status)
    if code:
        flash(_("Single sign-on is now required. Keep the recovery code below somewhere safe: it is shown once."),
              "success")
        return _index_page(recovery_code=code)
    flash(_("Single sign-on is no longer required: members may sign in with a password again."), "info")
    return redirect(url_for("sso.index", tenant_slug=tenant.slug))


@bp.tenant("/settings/sso/recovery-code", "sso.manage", methods=["POST"])
def recovery_code():
    tenant = current_tenant._get_current_object()
    form = RequireSsoForm()
    if not form.validate_on_submit():
        return _index_page(require_form=form, status=422)
    try:
        code = enforcement.new_recovery_code(tenant, current_authority())
    except DomainError as exc:
        apply_errors(form, exc)
        return _index_page(require_form=form, status=exc.http_status)
    flash(_("A new recovery code replaces the old one. It is shown once."), "success")
    return _index_page(recovery_code=code)


@bp.tenant("/settings/sso/new/<protocol>", "sso.manage", methods=["GET", "POST"])
def new(protocol: str):
    if protocol not in CONNECTION_FORMS:
        abort(404)
    tenant = current_tenant._get_current_object()
    form = CONNECTION_FORMS[protocol]()
    status = 200
    if form.validate_on_submit():
        try:
            connection = connections.create_connection(tenant, {"protocol": protocol, **_form_data(form)},
                                                       current_authority())
        except DomainError as exc:
            apply_errors(form, exc)
            status = 422
        else:
            flash(_("%(name)s is added. Register the values below at your identity provider, then try it.",
                    name=connection.name), "success")
            return redirect(url_for("sso.edit", tenant_slug=tenant.slug, connection_id=connection.id))
    elif request.method == "POST":
        status = 422
    from app.web.sso.landing import redirect_uri

    values = {"redirect_uri": redirect_uri()} if protocol == "oidc" else {}
    return render_template("sso/connection_form.html", form=form, protocol=protocol, labels=PROTOCOL_LABELS,
                           connection=None, values=values), status


@bp.tenant("/settings/sso/<connection_id>", "sso.manage", methods=["GET", "POST"])
def edit(connection_id: str):
    tenant = current_tenant._get_current_object()
    connection = connections.get_connection(tenant, connection_id)
    form_class = CONNECTION_FORMS[connection.protocol]
    status = 200
    if request.method == "POST":
        form = form_class()
        # The secret is never shown again: an empty field keeps the stored one.
        if form.validate_on_submit():
            try:
                connections.update_connection(tenant, connection.id, _form_data(form), current_authority())
            except DomainError as exc:
                apply_errors(form, exc)
                status = 422
            else:
                flash(_("Connection saved."), "success")
                return redirect(url_for("sso.edit", tenant_slug=tenant.slug, connection_id=connection.id))
        else:
            status = 422
    else:
        form = form_class(data={**connection.settings, "name": connection.name,
                                "default_role": connection.default_role,
                                "group_roles": _group_roles_text(connection.group_roles)})
    return render_template("sso/connection_form.html", form=form, protocol=connection.protocol,
                           labels=PROTOCOL_LABELS, connection=connection,
                           values=registration_values(connection)), status


@bp.tenant("/settings/sso/<connection_id>/status", "sso.manage", methods=["POST"])
def set_status(connection_id: str):
    tenant = current_tenant._get_current_object()
    wanted = "active" if request.form.get("status") == "active" else "disabled"
    form = RequireSsoForm()
    if not form.validate_on_submit():
        abort(400)
    connection = connections.get_connection(tenant, connection_id)
    try:
        connection = connections.update_connection(tenant, connection.id, {"status": wanted}, current_authority())
    except DomainError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("%(name)s is switched on.", name=connection.name) if wanted == "active"
              else _("%(name)s is switched off.", name=connection.name), "info")
    return redirect(url_for("sso.index", tenant_slug=tenant.slug))


@bp.tenant("/settings/sso/<connection_id>/delete", "sso.manage", methods=["POST"])
def delete(connection_id: str):
    tenant = current_tenant._get_current_object()
    form = RequireSsoForm()
    if not form.validate_on_submit():
        abort(400)
    connection = connections.get_connection(tenant, connection_id)
    name = connection.name
    connections.delete_connection(tenant, connection.id, current_authority())
    flash(_("%(name)s is deleted. Its people keep their accounts and memberships.", name=name), "info")
    return redirect(url_for("sso.index", tenant_slug=tenant.slug))


# --- Verified domains -------------------------------------------------------------------------

def _domains_page(form=None, status: int = 200):
    tenant = current_tenant._get_current_object()
    return render_template("sso/domains.html", form=form or DomainForm(), domains=domains.list_domains(tenant),
                           txt_name=domains.txt_name, txt_value=domains.txt_value), status


@bp.tenant("/settings/domains", "domains.manage")
def domains_index():
    return _domains_page()


@bp.tenant("/settings/domains", "domains.manage", methods=["POST"])
def domains_add():
    tenant = current_tenant._get_current_object()
    form = DomainForm()
    if not form.validate_on_submit():
        return _domains_page(form, 422)
    try:
        claimed = domains.add_domain(tenant, form.domain.data, current_authority())
    except DomainError as exc:
        apply_errors(form, exc)
        return _domains_page(form, exc.http_status)
    flash(_("Add the TXT record below to %(domain)s's DNS, then press Verify.", domain=claimed.domain), "info")
    return redirect(url_for("sso.domains_index", tenant_slug=tenant.slug))


@bp.tenant("/settings/domains/<int:domain_id>/verify", "domains.manage", methods=["POST"])
def domains_verify(domain_id: int):
    tenant = current_tenant._get_current_object()
    form = DomainForm()
    if not form.validate_on_submit() and form.csrf_token.errors:
        abort(400)
    try:
        claimed = domains.verify_domain(tenant, domain_id, current_authority(),
                                        resolver_address=current_app.config.get("DNS_RESOLVER"))
    except DomainError as exc:
        if exc.http_status == 404:
            raise
        flash(exc.message, "danger")
    else:
        flash(_("%(domain)s is verified.", domain=claimed.domain), "success")
    return redirect(url_for("sso.domains_index", tenant_slug=tenant.slug))


@bp.tenant("/settings/domains/<int:domain_id>/auto-join", "domains.manage", methods=["POST"])
def domains_auto_join(domain_id: int):
    tenant = current_tenant._get_current_object()
    form = DomainForm()
    if not form.validate_on_submit() and form.csrf_token.errors:
        abort(400)
    try:
        claimed = domains.set_auto_join(tenant, domain_id, request.form.get("auto_join") == "on", current_authority())
    except DomainError as exc:
        if exc.http_status == 404:
            raise
        flash(exc.message, "danger")
    else:
        flash(_("Auto-join for %(domain)s is on.", domain=claimed.domain) if claimed.auto_join
              else _("Auto-join for %(domain)s is off.", domain=claimed.domain), "info")
    return redirect(url_for("sso.domains_index", tenant_slug=tenant.slug))


@bp.tenant("/settings/domains/<int:domain_id>/delete", "domains.manage", methods=["POST"])
def domains_delete(domain_id: int):
    tenant = current_tenant._get_current_object()
    form = DomainForm()
    if not form.validate_on_submit() and form.csrf_token.errors:
        abort(400)
    claimed = domains.get_domain(tenant, domain_id)
    name = claimed.domain
    domains.remove_domain(tenant, domain_id, current_authority())
    flash(_("%(domain)s is removed.", domain=name), "info")
    return redirect(url_for("sso.domains_index", tenant_slug=tenant.slug))
