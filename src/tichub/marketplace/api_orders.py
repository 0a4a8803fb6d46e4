"""API for orders: lists, one order with its contract review and timeline, the review actions, the laboratory's
steps, cancellation, and the operator's aggregate.

Reading needs "market.order.view" (every enterprise and institution role); the institution's review actions and
steps need "market.review.manage"; the customer's confirmations "market.need.manage"; cancelling is for either
party (the service requires the matching write policy). Another tenant's order answers 404, as an absent one.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from tichub.core.api_support import Error
from tichub.core.routes import actor_of, policy

from . import order_selectors as selectors
from . import order_services as services
from .models import Order, ReviewItem, TimelineEvent
from .schemas import (
    MarketStatsOut,
    OrderAdvanceIn,
    OrderCancelIn,
    OrderDetailOut,
    OrderListOut,
    ReviewDecideIn,
    ReviewItemIn,
    ReviewItemOut,
    ReviewRecordIn,
    TimelineOut,
)

router = Router(tags=["marketplace"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
VIEW, REVIEW, NEED, STATS = "market.order.view", "market.review.manage", "market.need.manage", "market.stats.view"


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def order_out(order: Order) -> dict[str, Any]:
    sub = bool(getattr(order, "as_subcontractor", False))
    return {
        "id": order.pk,
        "number": order.number,
        "status": order.status,
        "need_id": order.need_id,
        "need_title": order.need.title,
        "enterprise_id": None if sub else order.enterprise_id,
        "enterprise_name": "" if sub else order.enterprise.name_zh,
        "institution_id": order.institution_id,
        "institution_name": order.institution.name_zh,
        "as_subcontractor": sub,
        "created_at": order.created_at,
        "due_date": order.due_date,
        "total": None if sub else _money(order.quote.total),
    }


def item_out(item: ReviewItem) -> dict[str, Any]:
    line = getattr(item, "line", None)
    approver = item.subcontract_approved_by
    return {
        "id": item.pk,
        "need_item_id": item.item_id,
        "position": item.item.position,
        "parameter": item.item.parameter,
        "standard": item.item.standard.canonical,
        "verdict": item.verdict,
        "scope_row_id": item.scope_row_id,
        "subcontractor_id": item.subcontractor_id,
        "subcontractor_name": item.subcontractor.name_zh if item.subcontractor else "",
        "method_warning": item.method_warning,
        "warning_confirmed_at": item.warning_confirmed_at,
        "subcontract_approved_at": item.subcontract_approved_at,
        "subcontract_approved_by": approver.name if approver else "",
        "price": _money(line.price) if line is not None else None,
        "quantity": line.quantity if line is not None else None,
    }


def timeline_out(event: TimelineEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "created_at": event.created_at,
        "kind": event.kind,
        "text_zh": event.text_zh,
        "text_en": event.text_en,
        "actor": event.actor.name if event.actor else "",
    }


def detail_out(detail: selectors.OrderDetail) -> dict[str, Any]:
    order, review = detail.order, detail.review
    sub = detail.side == selectors.SUBCONTRACTOR
    data = order_out(order)
    data.update(
        side=detail.side,
        decision_rule=order.decision_rule,
        cancel_reason="" if sub else order.cancel_reason,
        cancellation_fee_percent=None if sub else order.quote.cancellation_fee_percent,
        review=None
        if review is None or sub
        else {
            "decision_rule_agreed": review.decision_rule_agreed,
            "deviations": review.deviations,
            "customer_confirmed_at": review.customer_confirmed_at,
            "reviewed_by": review.reviewed_by.name if review.reviewed_by else "",
            "decided_at": review.decided_at,
            "accepted": review.accepted,
            "decline_reason": review.decline_reason,
        },
        items=[item_out(item) for item in detail.items],
        problems=detail.problems,
        timeline=[timeline_out(event) for event in detail.timeline],
        unread_messages=detail.unread_messages,
    )
    return data


class Mapped:
    """A queryset that ninja's paginator counts and slices, each row of the slice turned into its output dict:
    one count and one query per page, whatever the number of rows."""

    def __init__(self, queryset: Any, mapper: Callable[[Any], dict[str, Any]]) -> None:
        self.queryset = queryset
        self.mapper = mapper

    def all(self) -> "Mapped":
        return self

    def count(self) -> int:
        return int(self.queryset.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: Any) -> Any:
        rows = self.queryset[index]
        return [self.mapper(row) for row in rows] if isinstance(index, slice) else self.mapper(rows)


def _item(request: HttpRequest, order_id: int, item_id: int) -> dict[str, Any]:
    detail = selectors.order_get(actor_of(request), order_id)
    return item_out(next(item for item in detail.items if item.pk == item_id))


def _detail(request: HttpRequest, order_id: int) -> dict[str, Any]:
    return detail_out(selectors.order_get(actor_of(request), order_id))


@router.get("/orders", response={200: list[OrderListOut], **ERRORS})
@policy(VIEW, api=True)
@paginate
def orders(
    request: HttpRequest,
    status: str = Query("", description="one order status"),
    q: str = Query("", max_length=100, description="order number, need title or the other party's name"),
):
    """The caller's orders, newest first: the enterprise's own; the institution's own plus those where it is an
    approved subcontractor (`as_subcontractor`, without the customer or the amount)."""
    return Mapped(selectors.orders_for(actor_of(request), status=status, q=q), order_out)


@router.get("/orders/{order_id}", response={200: OrderDetailOut, **ERRORS})
@policy(VIEW, api=True)
def order(request: HttpRequest, order_id: int):
    """One order: header, contract review and its items (a subcontractor sees only its own, without prices),
    what still blocks accepting, and the timeline (oldest first)."""
    return _detail(request, order_id)


@router.get("/orders/{order_id}/timeline", response={200: list[TimelineOut], **ERRORS})
@policy(VIEW, api=True)
@paginate
def order_timeline(request: HttpRequest, order_id: int):
    """The order's timeline, oldest first (the two parties only)."""
    return Mapped(selectors.order_timeline(actor_of(request), order_id), timeline_out)


@router.post("/orders/{order_id}/review/items/{item_id}", response={200: ReviewItemOut, **ERRORS})
@policy(REVIEW, api=True)
def review_item(request: HttpRequest, order_id: int, item_id: int, payload: ReviewItemIn):
    """Set one item's verdict (institution, during review), checked on the exact edition."""
    services.review_set_item(actor=actor_of(request), order_id=order_id, item_id=item_id, **payload.dict())
    return _item(request, order_id, item_id)


@router.post("/orders/{order_id}/review", response={200: OrderDetailOut, **ERRORS})
@policy(REVIEW, api=True)
def review_record(request: HttpRequest, order_id: int, payload: ReviewRecordIn):
    """Record the decision rule agreed with the customer and any deviations (institution)."""
    services.review_record(actor=actor_of(request), order_id=order_id, **payload.dict())
    return _detail(request, order_id)


@router.post("/orders/{order_id}/review/confirm-warning/{item_id}", response={200: ReviewItemOut, **ERRORS})
@policy(NEED, api=True)
def confirm_warning(request: HttpRequest, order_id: int, item_id: int):
    """The customer confirms a withdrawn or superseded method."""
    services.review_confirm_warning(actor=actor_of(request), order_id=order_id, item_id=item_id)
    return _item(request, order_id, item_id)


@router.post("/orders/{order_id}/review/approve-subcontract/{item_id}", response={200: ReviewItemOut, **ERRORS})
@policy(NEED, api=True)
def approve_subcontract(request: HttpRequest, order_id: int, item_id: int):
    """The customer approves subcontracting an item to the named subcontractor."""
    services.review_approve_subcontract(actor=actor_of(request), order_id=order_id, item_id=item_id)
    return _item(request, order_id, item_id)


@router.post("/orders/{order_id}/review/decide", response={200: OrderDetailOut, **ERRORS})
@policy(REVIEW, api=True)
def review_decide(request: HttpRequest, order_id: int, payload: ReviewDecideIn):
    """Accept (numbers the order) or decline (reason required) after contract review (institution)."""
    services.review_decide(actor=actor_of(request), order_id=order_id, **payload.dict())
    return _detail(request, order_id)


@router.post("/orders/{order_id}/cancel", response={200: OrderDetailOut, **ERRORS})
@policy(VIEW, api=True)
def order_cancel(request: HttpRequest, order_id: int, payload: OrderCancelIn):
    """Cancel (either party): free before the samples are received, then the quote's fee is recorded."""
    services.order_cancel(actor=actor_of(request), order_id=order_id, reason=payload.reason)
    return _detail(request, order_id)


@router.post("/orders/{order_id}/advance", response={200: OrderDetailOut, **ERRORS})
@policy(REVIEW, api=True)
def order_advance(request: HttpRequest, order_id: int, payload: OrderAdvanceIn):
    """The laboratory's steps: received, in_progress, completed (institution)."""
    services.order_advance(actor=actor_of(request), order_id=order_id, to=payload.to)
    return _detail(request, order_id)


@router.get("/stats", response={200: MarketStatsOut, **ERRORS})
@policy(STATS, api=True)
def stats(request: HttpRequest):
    """Orders across the cluster in aggregate (operator): counts per status, accepted amount, per month."""
    data = selectors.market_stats(actor_of(request))
    return {
        "by_status": [{"status": s.status, "label": s.label, "count": s.count} for s in data.by_status],
        "total_orders": data.total_orders,
        "accepted_orders": data.accepted_orders,
        "accepted_amount": _money(data.accepted_amount),
        "months": [
            {"month": m.month, "orders": m.orders, "accepted": m.accepted, "amount": _money(m.amount)}
            for m in data.months
        ],
    }
