"""Writing the audit trail. Called by services inside their transaction, so an event exists iff the change does."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import models

from .context import current
from .models import AuditEvent
from .tenancy import Actor

JSON = dict[str, Any]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # decimals keep their written digits
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> JSON:
    """The values of `fields` of `obj` as JSON (foreign keys by id)."""
    return {name: _jsonable(getattr(obj, f"{name}_id" if _is_fk(obj, name) else name)) for name in fields}


def _is_fk(obj: models.Model, name: str) -> bool:
    field = obj._meta.get_field(name)
    return bool(field.is_relation and field.many_to_one)


def _event(
    actor: Actor,
    action: str,
    obj: models.Model,
    *,
    organisation_id: int | None,
    before: JSON | None,
    after: JSON | None,
    reason: str,
) -> AuditEvent:
    ctx = current.get()
    return AuditEvent(
        actor=actor.user,
        organisation_id=organisation_id if organisation_id is not None else actor.organisation_id,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        reason=reason,
        request_id=ctx.request_id,
        ip=ctx.ip,
    )


def audit_record(
    *,
    actor: Actor,
    action: str,
    obj: models.Model,
    before: JSON | None = None,
    after: JSON | None = None,
    reason: str = "",
    organisation_id: int | None = None,
) -> AuditEvent:
    """Write one audit event for a change to `obj`; `organisation_id` defaults to the actor's organisation."""
    event = _event(actor, action, obj, organisation_id=organisation_id, before=before, after=after, reason=reason)
    event.save()
    return event


def audit_record_many(
    *,
    actor: Actor,
    action: str,
    changes: Iterable[tuple[models.Model, JSON | None, JSON | None]],
    reason: str = "",
    organisation_id: int | None = None,
) -> int:
    """One event per changed object of a bulk operation, written in one statement batch."""
    events = [
        _event(actor, action, obj, organisation_id=organisation_id, before=before, after=after, reason=reason)
        for obj, before, after in changes
    ]
    AuditEvent.objects.bulk_create(events, batch_size=500)
    return len(events)
