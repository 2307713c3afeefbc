"""Every invalid field at once: a collector for the `ValidationError`s of one submission.

A form or a JSON body with four bad fields gets one answer naming all four (a 422 whose
`details.fields` maps each field to its messages), not four round trips. Checks stay the plain
validators they are (`validate_slug`, `clean_email`, ...); this only gathers what they raise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from app.services.errors import ValidationError

T = TypeVar("T")


class FieldErrors:
    """Run checks, keep every `ValidationError` by field, and raise them together."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def check(self, run: Callable[[], T], *, field: str | None = None) -> T | None:
        """The check's result, or None after recording its error (under `field` when given)."""
        try:
            return run()
        except ValidationError as exc:
            self.add(field or exc.field or "_form", exc.message)
            return None

    def add(self, field: str, message: str) -> None:
        messages = self.fields.setdefault(field, [])
        if message not in messages:
            messages.append(message)

    def has(self, field: str) -> bool:
        return field in self.fields

    def __bool__(self) -> bool:
        return bool(self.fields)

    def raise_if_any(self) -> None:
        """One `ValidationError` (message and field of the first) carrying every field's messages."""
        if not self.fields:
            return
        first = next(iter(self.fields))
        raise ValidationError(self.fields[first][0], field=None if first == "_form" else first,
                              details={"fields": dict(self.fields)})
