from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from .routes import actor_of, policy
from .schemas import AuditEventOut, AuditFilter
from .selectors import audit_events

router = Router(tags=["audit"])


@router.get("/audit-events", response=list[AuditEventOut])
@policy("audit.view", api=True)
@paginate
def audit_event_list(request: HttpRequest, filters: Query[AuditFilter]):
    """The active organisation's audit trail, newest first. Filter by object, action and time."""
    return audit_events(actor_of(request), **filters.dict())
