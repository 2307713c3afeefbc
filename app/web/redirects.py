"""Where a `next=` parameter may send the browser: only to this app's own paths."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site ("/t/acme/members"), else None.

    Refuses absolute URLs, scheme-relative `//evil.example`, backslash tricks and control characters.
    """
    if not target or len(target) > 2000:
        return None
    if any(ord(c) < 32 for c in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
