"""How quantities are written in messages: shared by services, templates and the API."""

from __future__ import annotations

from app.models import GIB


def format_bytes(n: int | None) -> str:
    """1 GiB = 2^30 bytes. `format_bytes(10 * GIB)` -> "10 GiB"; `format_bytes(1536)` -> "1.5 KiB"."""
    if n is None:
        return "Unlimited"
    units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
    value = float(n)
    for unit in units:
        if value < 1024 or unit == units[-1]:
            break
        value /= 1024
    if unit == "bytes":
        return f"{int(value)} bytes" if int(value) != 1 else "1 byte"
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{text} {unit}"


def format_count(n: int | None) -> str:
    return "Unlimited" if n is None else f"{n:,}"


def format_price(cents: int | None) -> str:
    if cents is None:
        return "Custom"
    if cents % 100 == 0:
        return f"${cents // 100:,}"
    return f"${cents / 100:,.2f}"


def format_quantity(resource: str, n: int | None) -> str:
    return format_bytes(n) if resource == "storage" else format_count(n)


__all__ = ["GIB", "format_bytes", "format_count", "format_price", "format_quantity"]
