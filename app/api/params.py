"""Reading query and path parameters, and the one shape every list answers with.

A list answers `{"items": [...], "meta": {"page", "per_page", "total", "pages"}}`. `per_page` is
capped at 100 (a larger value is served as 100); a page or per_page that is not a positive
integer is a 422 naming the parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from flask import request
from flask_babel import gettext

from app.api.payload import storable_text
from app.services.errors import ValidationError
from app.services.pagination import MAX_PAGE, MAX_PER_PAGE, Page
from app.services.parsing import MAX_BIGINT, parse_datetime, parse_int

DEFAULT_PER_PAGE = 25


def _positive_int(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    text = raw.strip()
    if text.isascii() and text.isdigit() and len(text.lstrip("0")) > 18:  # positive, only (nearly) past 2**63
        return MAX_BIGINT
    try:
        return parse_int(text, minimum=1)
    except ValueError:
        raise ValidationError(gettext("%(name)s must be a positive integer.", name=name), field=name) from None


def paging_args(default_per_page: int = DEFAULT_PER_PAGE) -> tuple[int, int]:
    """`page` (from 1) and `per_page` (capped at 100) from the query string."""
    page = _positive_int("page", 1)
    if page > MAX_PAGE:
        raise ValidationError(gettext("page must be at most %(max_page)s.", max_page=MAX_PAGE), field="page")
    per_page = min(_positive_int("per_page", default_per_page), MAX_PER_PAGE)
    return page, per_page


def query_text(name: str, max_length: int = 200) -> str | None:
    """A free-text query parameter, trimmed; None when absent or empty."""
    value = (request.args.get(name) or "").strip()
    if not storable_text(value):
        raise ValidationError(gettext("%(name)s must not contain NUL characters.", name=name), field=name)
    if len(value) > max_length:
        raise ValidationError(gettext("%(name)s must be at most %(max_length)s characters.", name=name, max_length=max_length), field=name)
    return value or None


def query_choice(name: str, choices: Sequence[str]) -> str | None:
    """One of `choices`, or None when the parameter is absent (an empty value is not a choice)."""
    value = request.args.get(name)
    if value is None:
        return None
    if value not in choices:
        raise ValidationError(gettext("%(name)s must be one of %(choices)s.", name=name, choices=', '.join(choices)), field=name)
    return value


def query_datetime(name: str) -> datetime | None:
    """An ISO 8601 date or date-time (UTC when no offset is given)."""
    if name not in request.args:
        return None
    try:
        return parse_datetime(request.args[name])
    except ValueError:
        raise ValidationError(gettext("%(name)s must be an ISO 8601 date or date-time between the years 1 and 9999.", name=name),
                              field=name) from None


def page_body(page: Page, serialize: Callable[[Any], dict]) -> dict[str, Any]:
    return {"items": [serialize(item) for item in page.items], "meta": page.to_meta()}


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


MAX_DB_INT = 2**31 - 1


def path_int(value: str, not_found: Exception) -> int:
    """A numeric path id; anything else (or beyond the column's range) is simply not found."""
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= MAX_DB_INT:
        raise not_found
    return int(value)
