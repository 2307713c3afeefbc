"""Hostile input refused where the request is parsed, before any view, guard or query sees it.

- A NUL character in a query string, a form field (or an uploaded file's name) or a header is a 400:
  PostgreSQL cannot store or even compare it, so it used to surface as a driver error (500) in
  whatever query met it first (sign-in, forgot-password, the audit filters, brand.css).
- A NUL character in a path segment matches no route (404), for the same reason.
- A JSON body nested deeper than MAX_JSON_DEPTH is a 400 before it is parsed: 5,000 levels made the
  parser (or the first recursive walk over the result) raise RecursionError, before authentication.

Each check is part of how the request is read (the first before-request hook, the URL converters,
the JSON provider), so no route can forget it.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import AnyConverter, PathConverter, UnicodeConverter, ValidationError

MAX_JSON_DEPTH = 64
NUL = "\x00"


class NulCharacter(BadRequest):
    description = "The request contains a NUL character, which no field may hold."


class JsonTooDeep(BadRequest):
    description = f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep."


def _holds_nul(values: Any) -> bool:
    for key, value in values.items(multi=True):
        text = value if isinstance(value, str) else getattr(value, "filename", None) or ""
        if NUL in key or NUL in text:
            return True
    return False


def refuse_nul() -> None:
    """The first before-request hook: NUL in a header, the query string, a form field or a file name.

    On refusal the parsed arguments are emptied, so the error page (which may look at `request.args`
    to name the tenant) renders from clean input.
    """
    from flask import request

    refused = any(NUL in value for _name, value in request.headers.items())
    refused = refused or _holds_nul(request.args)
    if not refused and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        refused = _holds_nul(request.form) or _holds_nul(request.files)
    if refused:
        empty = ImmutableMultiDict()
        request.__dict__.update(args=empty, form=empty, files=empty, values=empty)
        raise NulCharacter()


class _NulFree:
    def to_python(self, value: str) -> Any:
        if NUL in value:
            raise ValidationError()  # this rule does not match; none will: 404
        return super().to_python(value)


class NulFreeUnicodeConverter(_NulFree, UnicodeConverter):
    pass


class NulFreePathConverter(_NulFree, PathConverter):
    pass


class NulFreeAnyConverter(_NulFree, AnyConverter):
    pass


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(data: str | bytes) -> int:
    """How deeply a JSON text nests arrays and objects (brackets inside strings do not count)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKET)
    return max(accumulate(_STEP[b] for b in brackets), default=0)


class PortalJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing deep nesting before parsing (a 400 even under `get_json(silent=True)`)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if json_depth(s) > MAX_JSON_DEPTH:
            raise JsonTooDeep()
        return super().loads(s, **kwargs)


def init_request_checks(app: Flask) -> None:
    """Install the checks; called before any blueprint adds a rule (converters bind at that moment)."""
    app.json = PortalJSONProvider(app)
    app.url_map.converters.update(default=NulFreeUnicodeConverter, string=NulFreeUnicodeConverter,
                                  path=NulFreePathConverter, any=NulFreeAnyConverter)
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul)
