"""One template serves a full page and its HTMX fragments.

A swappable region is a named `{% block %}` of the page template. A normal request gets the
whole page; an HTMX request gets only that block (jinja2-fragments), so the two never drift.
"""

from __future__ import annotations

from flask import make_response, render_template, request, session
from jinja2_fragments.flask import render_block, render_blocks


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def render_page(template: str, block: str | None = None, *, status: int = 200, oob_blocks: tuple[str, ...] = (),
                **context):
    """Render `template`; for an HTMX request, only `block` (plus `oob_blocks` for out-of-band swaps)."""
    if block and is_htmx():
        # A message flashed for an HTMX answer is shown (as a toast) and announced at once, out of
        # band, unless the template sends its own flash area.
        pending_flashes = "flashes_oob" not in oob_blocks and bool(session.get("_flashes"))
        if oob_blocks:
            body = render_blocks(template, [block, *oob_blocks], **context)
        else:
            body = render_block(template, block, **context)
        if pending_flashes:
            body += render_template("_flashes_oob.html")
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def show_error(form, exc, fallback: str | None = None) -> None:
    """Put a DomainError's message on the form field it names (or `fallback`, or the form itself);
    an error naming several fields (`details["fields"]`: name -> messages) marks each of them."""
    several = (exc.details or {}).get("fields") if isinstance(getattr(exc, "details", None), dict) else None
    if isinstance(several, dict) and len(several) > 1:
        # Every field's messages beside it; those of fields the form does not show go on top, once.
        for name, messages in several.items():
            target = form._fields.get(name)
            for message in messages:
                if target is not None:
                    target.errors = [*(target.errors or []), message] if message not in (target.errors or []) \
                        else list(target.errors)
                elif not any(message in (f.errors or []) for f in form) and message not in form.form_errors:
                    form.form_errors.append(message)
        return
    name = exc.field if exc.field and exc.field in form else fallback
    if name and name in form:
        field = form[name]
        field.errors = [*field.errors, exc.message] if isinstance(field.errors, list) else [exc.message]
    else:
        form.form_errors.append(exc.message)
