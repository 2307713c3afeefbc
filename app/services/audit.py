"""Who did what: the `Actor` every service takes, and the audit trail it writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, User
from app.services.transaction import side_session


@dataclass(frozen=True)
class Actor:
    """The caller of a service: a user, an API key, the CLI or the system.

    `impersonator_user_id` is set while a platform admin acts as a tenant's owner, so the
    audit trail names both people.
    """

    user_id: int | None = None
    label: str = "system"
    is_platform_admin: bool = False
    ip: str | None = None
    impersonator_user_id: int | None = None
    api_key_id: int | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(label="system", is_platform_admin=True)

    @classmethod
    def cli(cls) -> Actor:
        return cls(label="cli", is_platform_admin=True)

    @classmethod
    def for_user(cls, user: User, ip: str | None = None, impersonator_user_id: int | None = None) -> Actor:
        return cls(user_id=user.id, label=user.email, is_platform_admin=user.is_platform_admin,
                   ip=ip, impersonator_user_id=impersonator_user_id)


def _event(action: str, actor: Actor, *, tenant_id: str | None = None, target_type: str | None = None,
           target_id: Any = None, details: dict[str, Any] | None = None) -> AuditEvent:
    details = details or {}
    if actor.api_key_id is not None:
        details = {**details, "api_key_id": actor.api_key_id}
    return AuditEvent(
        tenant_id=tenant_id,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        impersonator_user_id=actor.impersonator_user_id,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=details,
        ip=actor.ip,
    )


# Called with every event `record` adds, inside its transaction (webhooks write their outbox row so):
# registered by the listening module, so this one depends on none of them.
RecordListener = Callable[[AuditEvent, str, dict | None], None]
_listeners: list[RecordListener] = []


def on_record(listener: RecordListener) -> RecordListener:
    """Register `listener(event, actor_label, details)` for every event `record` adds (idempotent)."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def record(action: str, actor: Actor, **kwargs: Any) -> AuditEvent:
    """Add an audit event to the current transaction; it commits or rolls back with the change.

    Keywords: tenant_id, target_type, target_id, details.
    """
    event = _event(action, actor, **kwargs)
    db.session.add(event)
    for listener in _listeners:
        listener(event, actor.label, kwargs.get("details"))
    return event


def record_now(action: str, actor: Actor, **kwargs: Any) -> None:
    """Record an event in a transaction of its own (for refusals, where nothing else commits),
    leaving whatever the request's session holds untouched."""
    with side_session() as session:
        session.add(_event(action, actor, **kwargs))


@dataclass
class AuditFilter:
    tenant_id: str | None = None
    action: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def date_range(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """A person's date filter (`YYYY-MM-DD`, both ends inclusive, blank for open) as the half-open
    UTC range `AuditFilter` takes. Raises `ValidationError` naming every bad field: a date that is
    not one, and an end before the start (which would quietly match nothing)."""
    from datetime import date, timedelta

    from flask_babel import gettext

    from app.services.errors import ValidationError
    from app.services.parsing import parse_datetime

    parsed: dict[str, datetime | None] = {}
    errors: dict[str, list[str]] = {}
    for name, raw in (("since", since), ("until", until)):
        text = (raw or "").strip()
        parsed[name] = None
        if not text:
            continue
        try:
            if len(text) != 10:
                raise ValueError(text)
            day = date.fromisoformat(text)
        except ValueError:
            errors[name] = [gettext("Enter a date as YYYY-MM-DD, for example 2026-03-31.")]
            continue
        try:
            parsed[name] = parse_datetime(day.isoformat())
        except ValueError:  # a real date at the ends of time (0001-01-01, 9999-12-31): no bound on that side
            parsed[name] = None
    if not errors and parsed["since"] and parsed["until"] and parsed["until"] < parsed["since"]:
        errors["until"] = [gettext("The end date is before the start date: no event can be in this range.")]
    if errors:
        first = next(iter(errors))
        raise ValidationError(errors[first][0], field=first, details={"fields": errors})
    end = parsed["until"] + timedelta(days=1) if parsed["until"] else None  # the whole last day counts
    return parsed["since"], end


def filtered_query(flt: AuditFilter):
    """The SELECT for a filtered audit view, newest first (shared by pages, API and CSV export)."""
    stmt = select(AuditEvent)
    if flt.tenant_id:
        stmt = stmt.where(AuditEvent.tenant_id == flt.tenant_id)
    if flt.action:
        # A prefix filter, so "member." finds every membership event.
        stmt = stmt.where(AuditEvent.action.startswith(flt.action, autoescape=True))
    if flt.actor:
        stmt = stmt.where(func.lower(AuditEvent.actor_label).contains(flt.actor.lower(), autoescape=True))
    if flt.since:
        stmt = stmt.where(AuditEvent.created_at >= flt.since)
    if flt.until:
        stmt = stmt.where(AuditEvent.created_at < flt.until)
    return stmt.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def list_events(flt: AuditFilter, page: int = 1, per_page: int = 50):
    """One page of audit events matching the filter."""
    from app.services.pagination import paginate

    return paginate(filtered_query(flt), page, per_page)


def distinct_actions(tenant_id: str | None = None) -> list[str]:
    """Actions that occur (for the filter drop-down)."""
    stmt = select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    if tenant_id:
        stmt = stmt.where(AuditEvent.tenant_id == tenant_id)
    return list(db.session.scalars(stmt))
