"""How quantities are written in messages: shared by services, templates and the API."""

from __future__ import annotations

from flask_babel import format_currency, format_decimal, gettext, ngettext

from app.models import GIB


def format_bytes(n: int | None) -> str:
    """1 GiB = 2^30 bytes. `format_bytes(10 * GIB)` -> "10 GiB"; `format_bytes(1536)` -> "1.5 KiB"."""
    if n is None:
        return gettext("Unlimited")
    units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
    value = float(n)
    for unit in units:
        if value < 1024 or unit == units[-1]:
            break
        value /= 1024
    if unit == "bytes":
        return ngettext("%(count)s byte", "%(count)s bytes", int(value), count=format_decimal(int(value)))
    return f"{format_decimal(round(value, 1), format='#,##0.#')} {unit}"


def format_count(n: int | None) -> str:
    """1234 -> "1,234" (grouped as the reader's locale groups); None -> "Unlimited"."""
    return gettext("Unlimited") if n is None else format_decimal(n)


def format_price(cents: int | None, currency: str = "USD") -> str:
    """Integer cents in the reader's conventions: "$99" / "US$99" (zh), "$12.50"; None -> "Custom"."""
    if cents is None:
        return gettext("Custom")
    if cents % 100 == 0:
        return format_currency(cents // 100, currency, format="¤#,##0", currency_digits=False)
    return format_currency(cents / 100, currency)


def format_quantity(resource: str, n: int | None) -> str:
    return format_bytes(n) if resource == "storage" else format_count(n)


__all__ = ["GIB", "format_bytes", "format_count", "format_price", "format_quantity"]
