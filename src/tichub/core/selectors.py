"""Reads of the audit trail, scoped to the actor's organisation."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from .models import AuditEvent, Notification
from .tenancy import Actor


def audit_events(
    actor: Actor,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    action: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[AuditEvent]:
    """The active organisation's audit events, newest first, optionally for one object or action."""
    actor.require("audit.view")
    events = AuditEvent.objects.filter(organisation_id=actor.tenant_id).select_related("actor")
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if action:
        events = events.filter(action=action)
    if since:
        events = events.filter(created_at__gte=since)
    if until:
        events = events.filter(created_at__lt=until)
    return events


def notifications_of(actor: Actor) -> QuerySet[Notification]:
    """The signed-in person's notifications, newest first."""
    return Notification.objects.filter(user=actor.person)


def unread_count(actor: Actor) -> int:
    return Notification.objects.filter(user=actor.person, read_at=None).count() if actor.user else 0
