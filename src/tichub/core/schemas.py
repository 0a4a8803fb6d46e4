import datetime as dt
from typing import Any

from ninja import FilterSchema, Schema


class AuditEventOut(Schema):
    id: int
    created_at: dt.datetime
    actor_email: str | None
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: Any
    after: Any
    reason: str
    request_id: str
    ip: str | None

    @staticmethod
    def resolve_actor_email(obj: Any) -> str | None:
        return obj.actor.email if obj.actor_id else None


class AuditFilter(FilterSchema):
    object_type: str | None = None
    object_id: str | None = None
    action: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
