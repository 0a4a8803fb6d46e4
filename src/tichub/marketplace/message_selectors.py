"""Reading an order's thread, its attachments, and unread counts for lists (one query whatever the number of orders).

Only the order's enterprise and institution see its thread; anybody else gets NotFound. "Unread" for a person:
messages of the thread newer than their ThreadRead.last_read_at (every message when they have never opened it),
not written by themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from tichub.core.errors import NotFound
from tichub.core.tenancy import Actor

from .models import Attachment, Message, Order, ThreadRead
from .sample_selectors import party_order, party_q

VIEW = "market.order.view"
THREAD_SHOWN = 200  # the page shows the latest messages; the API pages through all of them


def party_order_for(actor: Actor, order_id: int, *, related: tuple[str, ...] = ()) -> Order:
    """The order if the actor's organisation is one of its two parties; NotFound otherwise."""
    return party_order(actor, order_id, related=related)


@dataclass
class Thread:
    order: Order
    messages: list[Message]
    last_read_at: dt.datetime | None  # before this visit: what is new to the reader
    earlier: int  # messages older than those shown


def _messages(order_id: int) -> QuerySet[Message]:
    return (
        Message.objects.filter(order_id=order_id)
        .select_related("sender", "sender_organisation")
        .prefetch_related("attachments")
    )


def thread(actor: Actor, order_id: int, *, after_id: int | None = None, shown: int = THREAD_SHOWN) -> Thread:
    """The order's latest messages, oldest first, with sender names and attachments (order, read mark, messages
    and attachments: four queries however long the thread). `after_id`: only messages newer than that one."""
    order = party_order(actor, order_id)
    last_read_at = (
        ThreadRead.objects.filter(order_id=order.pk, user_id=actor.person.pk)
        .values_list("last_read_at", flat=True)
        .first()
    )
    messages = _messages(order.pk)
    if after_id is not None:
        messages = messages.filter(pk__gt=after_id)
    latest = list(messages.order_by("-created_at", "-id")[: shown + 1])
    earlier = 0
    if len(latest) > shown:
        latest = latest[:shown]
        earlier = messages.count() - shown
    latest.reverse()
    return Thread(order=order, messages=latest, last_read_at=last_read_at, earlier=earlier)


def thread_messages(actor: Actor, order_id: int) -> QuerySet[Message]:
    """Every message of the order's thread, oldest first (for the paginated API)."""
    order = party_order(actor, order_id)
    return _messages(order.pk).order_by("created_at", "id")


def attachment_get(actor: Actor, order_id: int, attachment_id: int) -> Attachment:
    """An attachment of the order's thread, for one of the order's parties only."""
    order = party_order(actor, order_id)
    attachment = Attachment.objects.filter(pk=attachment_id, message__order_id=order.pk).first()
    if attachment is None:
        raise NotFound(_("附件不存在。"))
    return attachment


def _unread(actor: Actor) -> QuerySet[Message]:
    """Messages of the actor's orders that the person has not read, written by somebody else."""
    actor.require(VIEW)
    user_id = actor.person.pk
    read_to = ThreadRead.objects.filter(order_id=OuterRef("order_id"), user_id=user_id).values("last_read_at")[:1]
    return (
        Message.objects.filter(party_q(actor, "order__"))
        .exclude(sender_id=user_id)
        .annotate(read_to=Subquery(read_to))
        .filter(Q(read_to__isnull=True) | Q(created_at__gt=F("read_to")))
        .order_by()
    )


def unread_counts(actor: Actor, order_ids: Iterable[int]) -> dict[int, int]:
    """Unread messages per order for a list page: ONE query; orders without unread messages are absent."""
    ids = list(order_ids)
    if not ids:
        return {}
    rows = (
        _unread(actor).filter(order_id__in=ids).values("order_id").annotate(n=Count("id")).values_list("order_id", "n")
    )
    return {order_id: n for order_id, n in rows}


def unread_for_order(actor: Actor, order_id: int) -> int:
    """Unread messages of one order (the order detail page's badge; one query)."""
    return unread_counts(actor, [order_id]).get(order_id, 0)


def unread_total(actor: Actor) -> int:
    """Unread messages over all the actor's orders (one query)."""
    return _unread(actor).count()


@dataclass(frozen=True)
class UnreadOrder:
    order_id: int
    number: str
    unread: int


def unread_by_order(actor: Actor) -> list[UnreadOrder]:
    """Every order with unread messages, newest order first, with its count (one query)."""
    rows = (
        _unread(actor)
        .values("order_id", "order__number")
        .annotate(n=Count("id"))
        .order_by("-order_id")
        .values_list("order_id", "order__number", "n")
    )
    return [UnreadOrder(order_id, number, n) for order_id, number, n in rows]
