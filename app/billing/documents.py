"""An invoice as a document: the HTML the portal shows and the PDF (WeasyPrint) made from the same template."""

from __future__ import annotations

from flask import current_app, render_template

from app.models import Invoice


def invoice_html(invoice: Invoice) -> str:
    """A standalone HTML page of the invoice (its own styles: no portal chrome, nothing fetched)."""
    return render_template("billing/invoice_document.html", invoice=invoice,
                           seller=current_app.config.get("PRODUCT_NAME", "Tenantry"))


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as PDF bytes. No URL is fetched while rendering (the HTML carries everything)."""
    from weasyprint import HTML  # imported here: it loads Pango, which only PDF downloads need

    def refuse_fetch(url: str, *args, **kwargs):
        raise ValueError(f"invoice PDFs fetch nothing ({url})")

    return HTML(string=invoice_html(invoice), url_fetcher=refuse_fetch).write_pdf()
