"""The knowledge base: upload (paste or file), list, HTMX search, read and delete documents."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from app.services import documents, quotas, search
from app.services.authority import allows
from app.services.document_text import render_markdown
from app.services.errors import DomainError
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority
from app.web.rendering import is_htmx, render_page
from app.web.workspace import bp
from app.web.workspace.forms import DocumentForm

TEMPLATE = "workspace/index.html"


def _context(form: DocumentForm | None = None, query: str | None = None, **extra) -> dict:
    tenant = current_tenant._get_current_object()
    page = request.args.get("page", 1)
    results, search_error = None, None
    if query:
        try:
            results = search.search(tenant, query, search.DEFAULT_LIMIT)
        except DomainError as exc:
            search_error = exc.message
    authority = current_authority()
    storage_line = next(line for line in quotas.quota_report(tenant) if line.resource == "storage")
    return {"form": form or DocumentForm(), "page": documents.list_documents(tenant, page, 20),
            "query": query or "", "results": results, "search_error": search_error,
            "storage_line": storage_line,
            "page_url": lambda n: url_for("workspace.index", tenant_slug=tenant.slug, page=n), "may_delete": lambda d: documents.can_delete(d, authority),
            "may_upload": allows(authority, "documents.write"), **extra}


@bp.tenant("/knowledge", "documents.read")
def index():
    return render_page(TEMPLATE, block="documents", **_context(query=request.args.get("q")))


@bp.tenant("/knowledge/search", "documents.read")
def search_documents():
    """The search box's results: the block alone for HTMX, the whole page otherwise."""
    return render_page(TEMPLATE, block="search_results", **_context(query=request.args.get("q")))


@bp.tenant("/knowledge", "documents.write", methods=["POST"])
def upload():
    form = DocumentForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "danger")
        return redirect(url_for("workspace.index", tenant_slug=current_tenant.slug))
    upload = form.file.data
    if upload is not None and upload.filename:
        payload = documents.Upload(title=form.title.data, stream=upload.stream, filename=upload.filename,
                                   tags=form.tags.data)
    else:
        payload = documents.Upload(title=form.title.data, content=form.content.data, tags=form.tags.data)
    try:
        document = documents.create_document(current_tenant._get_current_object(), current_authority(), payload)
    except DomainError as exc:
        field = getattr(form, exc.field, None) if exc.field else None
        (field.errors if field is not None else form.form_errors).append(exc.message)
        return render_page(TEMPLATE, status=exc.http_status, **_context(form=form))
    flash(_("%(title)s was added to the knowledge base.", title=document.title), "success")
    return redirect(url_for("workspace.index", tenant_slug=current_tenant.slug))


@bp.tenant("/knowledge/<doc_id>", "documents.read")
def show(doc_id: str):
    tenant = current_tenant._get_current_object()
    document = documents.get_document(tenant, doc_id)
    content = documents.read_content(tenant, document)
    rendered = render_markdown(content) if document.content_type == "text/markdown" else None
    return render_page("workspace/show.html", document=document, content=content, rendered=rendered,
                       may_delete=documents.can_delete(document, current_authority()))


@bp.tenant("/knowledge/<doc_id>/delete", "documents.write", methods=["POST"])
def delete(doc_id: str):
    tenant = current_tenant._get_current_object()
    error = None
    try:
        document = documents.get_document(tenant, doc_id)
        documents.delete_document(tenant, doc_id, current_authority())
    except DomainError as exc:
        if exc.http_status == 404:
            raise
        error = exc.message
    if not is_htmx():
        if error:
            flash(error, "danger")
        else:
            flash(_("%(title)s was deleted.", title=document.title), "success")
        return redirect(url_for("workspace.index", tenant_slug=current_tenant.slug))
    return render_page(TEMPLATE, block="documents", oob_blocks=("storage",), **_context(delete_error=error))
