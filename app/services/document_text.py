"""What a document's bytes become for people: Markdown shown as safe HTML, a PDF as its text.

Markdown is rendered by markdown-it-py with raw HTML off, and the result is cleaned by nh3 (an
allow-list of tags and attributes, links limited to http, https and mailto) before it is marked safe:
a document is written by one member and read by all the others, so it must never carry script.
"""

from __future__ import annotations

import io

import nh3
from flask_babel import gettext
from markdown_it import MarkdownIt
from markupsafe import Markup

from app.services.errors import ValidationError

_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
         "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "del"}
_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
_markdown = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def render_markdown(text: str) -> Markup:
    """Markdown as HTML that is safe to show to every member of the tenant."""
    html = nh3.clean(_markdown.render(text), tags=_TAGS, attributes=_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")
    return Markup(html)  # noqa: S704 - cleaned by nh3's allow-list just above


def pdf_text(data: bytes, field: str = "file") -> str:
    """The text of a PDF's pages, a blank line between pages; refused if it has none (a scan)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ValidationError(gettext("This PDF is password-protected: upload an unprotected copy."), field=field)
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
    except ValidationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        raise ValidationError(gettext("This file is not a PDF that can be read."), field=field) from None
    text = "\n\n".join(page for page in pages if page)
    if not text.strip():
        raise ValidationError(gettext("This PDF has no text to search (a scanned page is a picture): upload a "
                                      "PDF with text, or paste the text."), field=field)
    return text
