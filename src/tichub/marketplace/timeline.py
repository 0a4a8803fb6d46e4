"""The order timeline: one helper every marketplace service calls for a state change both parties should see.

It only creates :class:`TimelineEvent` rows (not tenant-owned); the caller has already loaded and authorised the
order inside its own transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import Order, TimelineEvent

if TYPE_CHECKING:
    from tichub.core.tenancy import Actor


def _user_of(actor: Any) -> Any:
    """Accept an Actor, a user, or None."""
    if actor is None:
        return None
    if hasattr(actor, "roles") and hasattr(actor, "user"):  # an Actor
        return actor.user
    return actor


def timeline_add(
    order: Order | int, kind: str, text_zh: str, text_en: str, actor: Actor | Any | None = None
) -> TimelineEvent:
    """Append one entry to the order's timeline (texts are cut to the column width, never refused)."""
    order_id = order if isinstance(order, int) else order.pk
    user = _user_of(actor)
    return TimelineEvent.objects.create(
        order_id=order_id,
        kind=kind[:40],
        text_zh=text_zh[:300],
        text_en=text_en[:300],
        actor_id=getattr(user, "pk", None),
    )
