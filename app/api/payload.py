"""Reading JSON bodies: malformed JSON and unknown fields are 400, missing or bad values 422."""

from __future__ import annotations

from typing import Any

from flask import request

from app.services.errors import DomainError, ValidationError


class BadRequest(DomainError):
    code = "bad_request"
    http_status = 400


def json_body(*, allowed: set[str], required: set[str] = frozenset()) -> dict[str, Any]:
    """The request's JSON object, checked: only `allowed` keys, every `required` key present."""
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("The body must be a JSON object (Content-Type: application/json).",
                         code="malformed_json")
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.", code="malformed_json")
    bad = _unstorable(data)
    if bad is not None:
        raise ValidationError(f"{bad} contains characters that cannot be stored (NUL or lone surrogates).",
                              field=bad)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise BadRequest(f"Unknown field {unknown[0]!r}.", field=unknown[0], code="unknown_field",
                         details={"unknown": unknown})
    missing = sorted(k for k in required if data.get(k) in (None, ""))
    if missing:
        raise ValidationError(f"{missing[0]} is required.", field=missing[0],
                              details={"fields": {k: [f"{k} is required."] for k in missing}})
    return data


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


def string_field(data: dict, key: str, *, max_length: int = 500) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{key} must be a string.", field=key)
    if len(value) > max_length:
        raise ValidationError(f"{key} must be at most {max_length} characters.", field=key)
    return value


def choice_field(data: dict, key: str, choices: tuple[str, ...] | list[str], default: str | None = None) -> str | None:
    """One of `choices`; absent or null gives `default`, anything else is a 422 naming the field."""
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, str) or value not in choices:
        raise ValidationError(f"{key} must be one of {', '.join(choices)}.", field=key)
    return value


def present_string(data: dict, key: str, *, max_length: int = 500) -> str | None:
    """A string that may be left out but, when sent, is not null."""
    if key in data and data[key] is None:
        raise ValidationError(f"{key} must be a string, not null.", field=key)
    return string_field(data, key, max_length=max_length)
