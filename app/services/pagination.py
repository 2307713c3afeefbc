"""Page-at-a-time reading of a SELECT, with the total count."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from app.extensions import db
from app.services.parsing import parse_int

T = TypeVar("T")
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000  # beyond any real list; keeps OFFSET inside the databases' integer range


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def numbers(self, around: int = 2) -> list[int | None]:
        """The page numbers a pager shows: the first, the last, and `around` either side of this
        one; None where numbers are left out ("1 … 4 5 6 7 8 … 400")."""
        wanted = sorted({1, self.pages, *range(max(1, self.page - around), min(self.pages, self.page + around) + 1)})
        shown: list[int | None] = []
        for n in wanted:
            gap = n - (shown[-1] or 0) if shown else 1
            if gap == 2:  # one number left out: show it rather than "…"
                shown.append(n - 1)
            elif gap > 2:
                shown.append(None)
            shown.append(n)
        return shown

    def to_meta(self) -> dict[str, Any]:
        return {"page": self.page, "per_page": self.per_page, "total": self.total, "pages": self.pages}


def clamp_paging(page: Any, per_page: Any, default_per_page: int = 25) -> tuple[int, int]:
    """Turn untrusted page numbers into sane ones (page capped at MAX_PAGE, per_page at 100)."""
    try:
        page_n = min(max(1, parse_int(page)), MAX_PAGE)
    except (TypeError, ValueError):
        page_n = MAX_PAGE if _is_huge(page) else 1
    try:
        per_n = parse_int(per_page)
    except (TypeError, ValueError):
        per_n = MAX_PER_PAGE if _is_huge(per_page) else default_per_page
    return page_n, min(max(1, per_n), MAX_PER_PAGE)


def _is_huge(value: Any) -> bool:
    """A whole number too large for `parse_int` (past 2**63): served as the last possible page."""
    text = str(value or "").strip()
    return text.isascii() and text.isdigit()


def paginate(stmt: Select, page: int, per_page: int, *, scalars: bool = True) -> Page:
    """Run `stmt` for one page and count the whole result in a second query."""
    page, per_page = clamp_paging(page, per_page)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    paged = stmt.limit(per_page).offset((page - 1) * per_page)
    result = db.session.execute(paged)
    items = list(result.scalars().unique()) if scalars else list(result.all())
    return Page(items=items, total=total, page=page, per_page=per_page)
