"""JSON bodies declared once, as pydantic v2 models: they validate requests and give the OpenAPI schemas.

    class MemberAdd(RequestBody):
        email: Email
        role: Role = Role.MEMBER

    data = read_body(MemberAdd)        # 400 malformed JSON / unknown field, 422 every invalid field at once
    OPENAPI_COMPONENTS = schemas(MemberAdd, Member)    # components.schemas, from model_json_schema()

Why `model_json_schema()` and no Flask integration (spectree, flask-openapi3, APIFlask): routes here
are declared with their access by `GuardedBlueprint`/`ApiBlueprint`, errors have one envelope, and
the document is merged from the feature modules; each of those libraries brings its own route
decorator, blueprint or app class and its own error shape, which would be a second way to declare
a route. Pydantic v2 emits JSON Schema 2020-12, the dialect of OpenAPI 3.1, so its schemas go into
the document unchanged; the glue is this module.

Limits and patterns come from the services (`tenants.SLUG_PATTERN`, `accounts.EMAIL_MAX_LENGTH`,
...) through the field types below, never copied. Text fields refuse NUL characters (no column can
store them); what the service checks beyond shape (a slug being free, a role the caller may grant)
stays in the service.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

import pydantic
from flask import request
from flask_babel import gettext, lazy_gettext
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, StrictBool, WithJsonSchema

from app.api.payload import BadRequest, unstorable_path
from app.models import PLAN_CODES
from app.services import accounts, tenants
from app.services.errors import ValidationError

NO_NUL = "^[^\\u0000]*$"
NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"

Model = TypeVar("Model", bound="RequestBody")


class RequestBody(BaseModel):
    """A request body: unknown fields are refused (400 `unknown_field`), every other fault is a 422."""

    # python-re: the slug's pattern needs a lookahead, which pydantic's default (Rust) engine lacks.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, use_enum_values=True,
                              regex_engine="python-re")


class ResponseBody(BaseModel):
    """A response body: its schema documents what the API answers."""

    model_config = ConfigDict(use_enum_values=True)


def text(max_length: int | None = None, *, blank: bool = True) -> Any:
    """A string type as the API checks it: no NUL characters; not blank unless `blank`."""
    return Annotated[str, Field(pattern=NO_NUL if blank else NOT_BLANK, max_length=max_length,
                                min_length=None if blank else 1)]


def _message(error: dict) -> str:
    """pydantic's message, with the field named the way clients name it."""
    field = ".".join(str(part) for part in error["loc"]) or "body"
    kind = error["type"]
    ctx = error.get("ctx", {})
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return gettext("%(field)s is required.", field=field)
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in (NO_NUL, NOT_BLANK):
        return gettext("%(field)s must not be blank or contain NUL characters.", field=field)
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in PATTERN_MESSAGES:
        return gettext(PATTERN_MESSAGES[ctx["pattern"]], field=field)
    # The kinds clients meet, in the reader's language (Accept-Language); the rest keep pydantic's words.
    known = {
        "string_too_long": lambda: gettext("%(field)s must be at most %(n)s characters.", field=field,
                                           n=ctx.get("max_length")),
        "string_too_short": lambda: gettext("%(field)s must be at least %(n)s characters.", field=field,
                                            n=ctx.get("min_length")),
        "string_pattern_mismatch": lambda: gettext("%(field)s does not have the expected form.", field=field),
        "string_type": lambda: gettext("%(field)s must be text.", field=field),
        "int_type": lambda: gettext("%(field)s must be a whole number.", field=field),
        "int_parsing": lambda: gettext("%(field)s must be a whole number.", field=field),
        "int_from_float": lambda: gettext("%(field)s must be a whole number.", field=field),
        "bool_type": lambda: gettext("%(field)s must be true or false.", field=field),
        "bool_parsing": lambda: gettext("%(field)s must be true or false.", field=field),
        "list_type": lambda: gettext("%(field)s must be a list.", field=field),
        "dict_type": lambda: gettext("%(field)s must be an object.", field=field),
        "greater_than_equal": lambda: gettext("%(field)s must be at least %(n)s.", field=field, n=ctx.get("ge")),
        "less_than_equal": lambda: gettext("%(field)s must be at most %(n)s.", field=field, n=ctx.get("le")),
        "greater_than": lambda: gettext("%(field)s must be more than %(n)s.", field=field, n=ctx.get("gt")),
        "less_than": lambda: gettext("%(field)s must be less than %(n)s.", field=field, n=ctx.get("lt")),
        "enum": lambda: gettext("%(field)s must be one of %(choices)s.", field=field, choices=ctx.get("expected")),
        "literal_error": lambda: gettext("%(field)s must be one of %(choices)s.", field=field,
                                         choices=ctx.get("expected")),
        "datetime_parsing": lambda: gettext("%(field)s must be a date and time (ISO 8601).", field=field),
        "datetime_type": lambda: gettext("%(field)s must be a date and time (ISO 8601).", field=field),
        "too_long": lambda: gettext("%(field)s has too many items (at most %(n)s).", field=field,
                                    n=ctx.get("max_length")),
    }
    if kind in known:
        return known[kind]()
    if kind == "value_error":  # a validator of ours: its message is already written for the client
        return f"{field} {ctx.get('error') or error['msg'].removeprefix('Value error, ')!s}."
    return f"{field}: {error['msg']}."


def read_body(model: type[Model]) -> Model:
    """The request's JSON object as `model`, or the error that says what is wrong with it.

    Malformed JSON, a body that is not an object, or unknown fields: 400. Otherwise every invalid
    or missing field at once: 422 `validation_error` with `details.fields = {field: [messages]}`.
    """
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest(gettext("The body must be a JSON object (Content-Type: application/json)."), code="malformed_json")
    bad = unstorable_path(data)
    if bad is not None:
        raise ValidationError(gettext("%(bad)s contains characters that cannot be stored (NUL or lone surrogates).", bad=bad),
                              field=bad)
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_url=False)
    unknown = sorted(".".join(map(str, e["loc"])) for e in errors if e["type"] == "extra_forbidden")
    if unknown:
        raise BadRequest(gettext("Unknown field %(unknown)s.", unknown=repr(unknown[0])), field=unknown[0], code="unknown_field",
                         details={"unknown": unknown}) from None
    fields: dict[str, list[str]] = {}
    for error in errors:
        path = _field_path(model, error["loc"])
        message = _message({**error, "loc": path})
        if message not in fields.setdefault(".".join(map(str, path)) or "body", []):
            fields[".".join(map(str, path)) or "body"].append(message)
    first = next(iter(fields))
    raise ValidationError(fields[first][0], field=first, details={"fields": fields}) from None


def read_fields(model: type[RequestBody]) -> dict[str, Any]:
    """The request's JSON object, refused (400) for malformed JSON or a field `model` does not declare,
    but otherwise as sent: for bodies a service checks whole, reporting every field at once with the
    rules of their content (an SSO connection's protocol-specific fields). `model` still gives the
    schema, from the same limits the service checks."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest(gettext("The body must be a JSON object (Content-Type: application/json)."), code="malformed_json")
    bad = unstorable_path(data)
    if bad is not None:
        raise ValidationError(gettext("%(bad)s contains characters that cannot be stored (NUL or lone surrogates).", bad=bad),
                              field=bad)
    unknown = sorted(set(data) - set(model.model_fields))
    if unknown:
        raise BadRequest(gettext("Unknown field %(unknown)s.", unknown=repr(unknown[0])), field=unknown[0], code="unknown_field",
                         details={"unknown": unknown})
    return data


def _field_path(model: type[BaseModel], loc: tuple) -> tuple:
    """The part of an error's location that names fields (and list positions), without the tags
    pydantic adds for the members of a union (`users.int`, `users.literal['plan']`)."""
    path: list = []
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            path.append(part)
        elif isinstance(current, type) and issubclass(current, BaseModel) and part in current.model_fields:
            path.append(part)
            annotation = current.model_fields[part].annotation
            current = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
        else:
            break
    return tuple(path)


def schemas(*models: type[BaseModel]) -> dict[str, Any]:
    """`components.schemas` entries for `models` (and the models they use), from pydantic."""
    found: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode="validation"
                                         if issubclass(model, RequestBody) else "serialization")
        for name, nested in schema.pop("$defs", {}).items():
            found.setdefault(name, nested)
        found[model.__name__] = schema
    return found


# --- Field types shared by the feature modules, from the services' own limits ----------------------

def _number_not_text(value: Any) -> Any:
    if isinstance(value, str | bool):
        raise ValueError(gettext("must be a whole number"))
    return value


# JSON's types, not Python's conversions: 5 and 5.0 are the integer 5, "5" and true are not; only
# true and false are booleans (pydantic's lax mode would take "yes" and 1).
Integer = Annotated[int, BeforeValidator(_number_not_text)]
Boolean = StrictBool

def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# A moment: ISO 8601 with its UTC offset, as every date-time of the API is written.
Moment = Annotated[datetime, PlainSerializer(_iso, return_type=str),
                   WithJsonSchema({"type": "string", "format": "date-time"})]
MaybeMoment = Annotated[datetime | None, PlainSerializer(_iso, return_type=str | None),
                        WithJsonSchema({"type": ["string", "null"], "format": "date-time"})]
# An address: its shape is checked by the service (accounts.clean_email), which says what is wrong.
Email = Annotated[str, Field(min_length=1, max_length=accounts.EMAIL_MAX_LENGTH, json_schema_extra={"format": "email"})]
# A plan's code: the catalogue's codes (the seed is the catalogue; plans are never added at run time).
PlanCode = Literal[PLAN_CODES]

# What a pattern means, said to the client instead of the regular expression itself.
PATTERN_MESSAGES = {
    tenants.SLUG_PATTERN: lazy_gettext("%(field)s must be 3-63 lowercase letters, digits and hyphens, starting and "
                                       "ending with a letter or digit (and not like xx--)."),
}
# A tenant's slug (a DNS label); a reserved word is refused by the service, named in the schema.
Slug = Annotated[str, Field(pattern=tenants.SLUG_PATTERN, min_length=3, max_length=63,
                            json_schema_extra={"not": {"enum": sorted(tenants.RESERVED_SLUGS)}},
                            description="A DNS label, 3-63 characters: lowercase letters, digits, hyphens; not a "
                                        "reserved word (admin, api, www, ...).")]


def single_line_text(max_length: int | None = None, *, blank: bool = True) -> Any:
    """Text that is one line: no control characters or line/paragraph separators (names end up in
    email subjects, CSV cells and log lines; `tenants.single_line` is the rule)."""
    pattern = tenants.SINGLE_LINE_PATTERN if blank else SINGLE_LINE_NOT_BLANK
    return Annotated[str, Field(pattern=pattern, max_length=max_length, min_length=None if blank else 1)]


_LINE_CHAR = tenants.SINGLE_LINE_PATTERN.removeprefix("^").removesuffix("*$")  # [^...control characters]
_VISIBLE_CHAR = _LINE_CHAR.replace("[^", "[^\\s", 1)  # ... and not white space
SINGLE_LINE_NOT_BLANK = f"^{_LINE_CHAR}*{_VISIBLE_CHAR}{_LINE_CHAR}*$"
PATTERN_MESSAGES[tenants.SINGLE_LINE_PATTERN] = lazy_gettext(
    "%(field)s must be a single line without control characters.")
PATTERN_MESSAGES[SINGLE_LINE_NOT_BLANK] = lazy_gettext(
    "%(field)s must be a single line without control characters, and not blank.")
TenantName = single_line_text(tenants.NAME_MAX_LENGTH, blank=False)
