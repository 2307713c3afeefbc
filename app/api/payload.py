"""What a JSON body may hold before its model reads it: the 400 for a malformed request, and text a
database can store. Bodies themselves are declared and read in `app/api/bodies.py`."""

from __future__ import annotations

from typing import Any

from app.services.errors import DomainError


class BadRequest(DomainError):
    code = "bad_request"
    http_status = 400


def storable_text(value: str) -> bool:
    """False for text no database column can hold: NUL characters (PostgreSQL) or lone surrogates."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable_path(data: Any) -> str | None:
    """The first key path of a JSON value whose key or text cannot be stored, or None."""
    return _unstorable(data)


def _unstorable(data: Any, where: str = "body") -> str | None:
    """The first key path whose key or string value is not storable text, or None."""
    if isinstance(data, str):
        return None if storable_text(data) else where
    if isinstance(data, dict):
        for key, value in data.items():
            if not storable_text(key):
                return where
            found = _unstorable(value, key if where == "body" else f"{where}.{key}")
            if found:
                return found
    if isinstance(data, list):
        for item in data:
            found = _unstorable(item, where)
            if found:
                return found
    return None
