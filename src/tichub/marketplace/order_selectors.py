"""Reads of orders: the lists people work from, one order with its review and timeline, the operator's aggregate.

Who sees what: the enterprise of an order and its institution see all of it; an institution to which the customer
has approved subcontracting an item (an "approved subcontractor") sees the order's header and only its own items,
without prices, the customer's identity or the timeline; the operator sees counts and amounts in aggregate only
(`market_stats`), never an order. Anything else answers NotFound, as an id that does not exist.

Query budgets: a page of a list is a count and one query, whatever the number of orders; one order's detail is a
fixed handful of queries, whatever the number of its items or timeline entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.accounts.choices import OrganisationKind
from tichub.core.errors import NotFound, ServiceError
from tichub.core.tenancy import Actor

from .choices import OrderStatus, QuoteStatus, ReviewVerdict
from .models import ContractReview, Order, Quote, QuoteLine, ReviewItem, TimelineEvent

VIEW = "market.order.view"
STATS = "market.stats.view"
ENTERPRISE, INSTITUTION, SUBCONTRACTOR = "enterprise", "institution", "subcontractor"
Q_MAX = 100
WORK_LIST_SIZE = 10
STATS_MONTHS = 12
ACCEPTED_STATES = (
    OrderStatus.ACCEPTED,
    OrderStatus.SAMPLES_SENT,
    OrderStatus.RECEIVED,
    OrderStatus.IN_PROGRESS,
    OrderStatus.COMPLETED,
)
MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=16, decimal_places=2)


def _kind(actor: Actor) -> str:
    organisation = actor.organisation
    return organisation.kind if organisation is not None else ""


def _approved_subcontracts(institution_id: int) -> QuerySet[ReviewItem]:
    return ReviewItem.objects.filter(
        subcontractor_id=institution_id,
        verdict=ReviewVerdict.SUBCONTRACTED,
        subcontract_approved_at__isnull=False,
    )


def _visible(actor: Actor) -> QuerySet[Any]:
    """Every order the actor may see, with `as_subcontractor` telling the approved subcontractor's ones."""
    actor.require(VIEW)
    tenant = actor.tenant_id
    kind = _kind(actor)
    if kind == OrganisationKind.ENTERPRISE:
        return Order.objects.filter(enterprise_id=tenant).annotate(as_subcontractor=Value(False))
    if kind == OrganisationKind.INSTITUTION:
        # The ids first (few, one indexed query): `institution OR pk IN (<ids>)` stays two index scans, where a
        # subquery under OR would have the database test every order.
        subcontracted = set(_approved_subcontracts(tenant).values_list("review__order_id", flat=True))
        mine = Q(institution_id=tenant) | Q(pk__in=subcontracted) if subcontracted else Q(institution_id=tenant)
        return Order.objects.filter(mine).annotate(
            as_subcontractor=Case(
                When(institution_id=tenant, then=Value(False)), default=Value(True), output_field=BooleanField()
            )
        )
    return Order.objects.none()


def clean_status(status: str | None) -> str:
    status = (status or "").strip()
    if status and status not in OrderStatus.values:
        raise ServiceError.field(
            "status",
            _("状态须为以下之一：%(values)s。") % {"values": "、".join(OrderStatus.values)},
            code="invalid_choice",
        )
    return status


def clean_q(q: str | None) -> str:
    q = (q or "").strip()
    if len(q) > Q_MAX:
        raise ServiceError.field("q", _("搜索词最多 %(n)d 个字。") % {"n": Q_MAX}, code="too_long")
    return q


def orders_for(actor: Actor, status: str | None = None, q: str | None = None) -> QuerySet[Any]:
    """The actor's orders, newest first: the enterprise's own, or the institution's own plus those where it is an
    approved subcontractor (`as_subcontractor`). Filter by status and by text (order number, need title, and the
    customer's name where the actor may know it)."""
    status = clean_status(status)
    q = clean_q(q)
    orders = _visible(actor)
    if status:
        orders = orders.filter(status=status)
    if q:
        text = Q(number__icontains=q) | Q(need__title__icontains=q)
        if _kind(actor) == OrganisationKind.ENTERPRISE:
            text |= Q(institution__name_zh__icontains=q) | Q(institution__name_en__icontains=q)
        else:
            text |= Q(institution_id=actor.tenant_id) & (
                Q(enterprise__name_zh__icontains=q) | Q(enterprise__name_en__icontains=q)
            )
        orders = orders.filter(text)
    return orders.select_related("need", "quote", "enterprise", "institution").order_by("-created_at", "-id")


# ------------------------------------------------------------------------------------------------------------------
# One order
# ------------------------------------------------------------------------------------------------------------------


@dataclass
class OrderDetail:
    order: Order
    side: str  # enterprise, institution or subcontractor
    review: ContractReview | None
    items: list[ReviewItem]  # each with `.line` (its quote line, or None for a subcontractor)
    timeline: list[TimelineEvent]  # oldest first; empty for a subcontractor
    unread_messages: int | None = None  # from the messages app, when it offers the hook
    problems: dict[str, list[str]] = field(default_factory=dict)  # what still stands between review and accept

    @property
    def is_enterprise(self) -> bool:
        return self.side == ENTERPRISE

    @property
    def is_institution(self) -> bool:
        return self.side == INSTITUTION

    @property
    def in_review(self) -> bool:
        return self.order.status == OrderStatus.REVIEW


def order_get(actor: Actor, order_id: int) -> OrderDetail:
    """One order as the actor may see it: header, review items with their quote lines, timeline (oldest first).

    Five queries at most (order, items, lines, timeline, unread hook), whatever the number of entries."""
    order = (
        _visible(actor)
        .select_related("need", "quote", "enterprise", "institution", "review", "review__reviewed_by")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound(_("没有这个委托单。"))
    side = SUBCONTRACTOR if getattr(order, "as_subcontractor", False) else _kind(actor)
    review: ContractReview | None = getattr(order, "review", None)
    items: list[ReviewItem] = []
    timeline: list[TimelineEvent] = []
    if review is not None:
        item_qs = ReviewItem.objects.filter(review=review).select_related(
            "item__standard__replaced_by", "scope_row__standard", "subcontractor", "subcontract_approved_by"
        )
        if side == SUBCONTRACTOR:
            item_qs = item_qs.filter(pk__in=_approved_subcontracts(actor.tenant_id).filter(review=review).values("pk"))
        items = list(item_qs.order_by("item__position", "pk"))
    if side == SUBCONTRACTOR:
        for item in items:
            item.line = None  # type: ignore[attr-defined]
    else:
        lines = {line.item_id: line for line in QuoteLine.objects.filter(quote_id=order.quote_id)}
        for item in items:
            item.line = lines.get(item.item_id)  # type: ignore[attr-defined]
        timeline = list(TimelineEvent.objects.filter(order=order).select_related("actor").order_by("created_at", "id"))
    detail = OrderDetail(order=order, side=side, review=review, items=items, timeline=timeline)
    if side != SUBCONTRACTOR:
        detail.unread_messages = _unread_messages(actor, order)
        if review is not None and order.status == OrderStatus.REVIEW:
            detail.problems = review_problems(review, items)
    return detail


def _unread_messages(actor: Actor, order: Order) -> int | None:
    """Hook for the messages app: `message_selectors.unread_for_order(actor, order_id) -> int`, when present."""
    try:
        from . import message_selectors
    except ImportError:
        return None
    hook = getattr(message_selectors, "unread_for_order", None)
    return int(hook(actor, order.pk)) if hook is not None else None


def review_problems(review: ContractReview, items: list[ReviewItem]) -> dict[str, list[str]]:
    """What still stands between the review and accepting the order (the same rules as review_decide)."""
    problems: dict[str, list[str]] = {}
    for item in items:
        name = f"items.{item.item.position}"
        label = {"item": f"{item.item.position}. {item.item.parameter}（{item.item.standard.canonical}）"}
        if item.verdict == ReviewVerdict.NOT_COVERED:
            problems.setdefault(name, []).append(_("%(item)s：本机构无此能力（请改为分包或谢绝）") % label)
        if item.method_warning and item.warning_confirmed_at is None:
            problems.setdefault(name, []).append(_("%(item)s：方法警告待客户确认") % label)
        if item.verdict == ReviewVerdict.SUBCONTRACTED and item.subcontract_approved_at is None:
            problems.setdefault(name, []).append(_("%(item)s：分包待客户批准") % label)
    if not review.decision_rule_agreed:
        problems["decision_rule_agreed"] = [_("判定规则尚未与客户约定")]
    return problems


def order_timeline(actor: Actor, order_id: int) -> QuerySet[TimelineEvent]:
    """The timeline of one order, oldest first (parties only; a subcontractor gets NotFound)."""
    order = _visible(actor).filter(pk=order_id).values("pk", "as_subcontractor").first()
    if order is None or order["as_subcontractor"]:
        raise NotFound(_("没有这个委托单。"))
    return TimelineEvent.objects.filter(order_id=order_id).select_related("actor").order_by("created_at", "id")


# ------------------------------------------------------------------------------------------------------------------
# Work lists
# ------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass
class Work:
    side: str
    by_status: list[StatusCount]
    total: int
    quotes_due: list[Quote] = field(default_factory=list)  # institution: needs waiting for its quote
    quotes_due_count: int = 0
    reviews_pending: list[Order] = field(default_factory=list)  # institution: orders under contract review
    reviews_pending_count: int = 0
    awaiting_me: list[Order] = field(default_factory=list)  # enterprise: reviews waiting for its confirmation
    subcontracted_count: int = 0  # institution: orders where it is an approved subcontractor


def _by_status(orders: QuerySet[Order]) -> list[StatusCount]:
    counts = dict(orders.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return [StatusCount(value, str(label), counts.get(value, 0)) for value, label in OrderStatus.choices]


def work_for(actor: Actor) -> Work:
    """The dashboard lists: orders by state; for an institution the quotes due and the reviews pending, for an
    enterprise the reviews waiting for its confirmation (warnings, subcontracting). A fixed number of queries."""
    actor.require(VIEW)
    tenant = actor.tenant_id
    if _kind(actor) == OrganisationKind.ENTERPRISE:
        by_status = _by_status(Order.objects.filter(enterprise_id=tenant))
        pending = ReviewItem.objects.filter(review__order_id=OuterRef("pk")).filter(
            (~Q(method_warning="") & Q(warning_confirmed_at=None))
            | Q(verdict=ReviewVerdict.SUBCONTRACTED, subcontract_approved_at=None)
        )
        awaiting = list(
            Order.objects.filter(enterprise_id=tenant, status=OrderStatus.REVIEW)
            .filter(Exists(pending))
            .select_related("need", "institution")
            .order_by("created_at", "id")[:WORK_LIST_SIZE]
        )
        return Work(ENTERPRISE, by_status, sum(s.count for s in by_status), awaiting_me=awaiting)
    if _kind(actor) != OrganisationKind.INSTITUTION:
        return Work("", [], 0)
    by_status = _by_status(Order.objects.filter(institution_id=tenant))
    quotes = Quote.objects.filter(institution_id=tenant, status=QuoteStatus.REQUESTED)
    reviews = Order.objects.filter(institution_id=tenant, status=OrderStatus.REVIEW)
    return Work(
        INSTITUTION,
        by_status,
        sum(s.count for s in by_status),
        quotes_due=list(quotes.select_related("need", "enterprise").order_by("need__deadline", "id")[:WORK_LIST_SIZE]),
        quotes_due_count=quotes.count(),
        reviews_pending=list(
            reviews.select_related("need", "enterprise").order_by("created_at", "id")[:WORK_LIST_SIZE]
        ),
        reviews_pending_count=next(s.count for s in by_status if s.status == OrderStatus.REVIEW),
        subcontracted_count=_approved_subcontracts(tenant).values("review__order_id").distinct().count(),
    )


# ------------------------------------------------------------------------------------------------------------------
# The operator's aggregate
# ------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthStats:
    month: dt.date
    orders: int
    accepted: int
    amount: Decimal


@dataclass(frozen=True)
class MarketStats:
    by_status: list[StatusCount]
    total_orders: int
    accepted_orders: int
    accepted_amount: Decimal
    months: list[MonthStats]  # the last STATS_MONTHS months, oldest first, empty months included


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def market_stats(actor: Actor) -> MarketStats:
    """Counts per status, the accepted amount, and orders per month across the cluster: aggregates only, never an
    enterprise or an institution. Amounts are the accepted quotes' totals (orders accepted or further on)."""
    actor.require(STATS)
    orders = Order.objects.order_by()
    by_status = _by_status(orders)
    accepted_q = Q(status__in=ACCEPTED_STATES)
    totals = orders.aggregate(
        accepted=Count("id", filter=accepted_q),
        amount=Sum("quote__total", filter=accepted_q, output_field=MONEY),
    )
    today = timezone.localdate()
    first = _month_start(today, STATS_MONTHS - 1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    rows = (
        orders.filter(created_at__gte=start)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(
            n=Count("id"),
            accepted=Count("id", filter=accepted_q),
            amount=Sum("quote__total", filter=accepted_q, output_field=MONEY),
        )
        .values_list("month", "n", "accepted", "amount")
    )
    found: dict[dt.date, tuple[int, int, Decimal]] = {}
    for month, n, accepted, amount in rows:
        day = month.date() if isinstance(month, dt.datetime) else month
        found[dt.date(day.year, day.month, 1)] = (n, accepted, Decimal(amount or 0))
    months = []
    for back in range(STATS_MONTHS - 1, -1, -1):
        month = _month_start(today, back)
        n, accepted, amount = found.get(month, (0, 0, Decimal("0")))
        months.append(MonthStats(month, n, accepted, amount.quantize(Decimal("0.01"))))
    return MarketStats(
        by_status=by_status,
        total_orders=sum(s.count for s in by_status),
        accepted_orders=int(totals["accepted"] or 0),
        accepted_amount=Decimal(totals["amount"] or 0).quantize(Decimal("0.01")),
        months=months,
    )


# ------------------------------------------------------------------------------------------------------------------
# CSV export
# ------------------------------------------------------------------------------------------------------------------

CSV_CHUNK = 2000


def orders_csv_rows(actor: Actor, status: str | None = None, q: str | None = None) -> Iterator[list[str]]:
    """The actor's orders as CSV rows (header first), read in chunks: the same filters as the list. A
    subcontractor's rows name neither the customer nor the amount."""
    orders = orders_for(actor, status=status, q=q)
    labels = dict(OrderStatus.choices)
    yield [
        _("委托单号"),
        _("状态"),
        _("需求"),
        _("委托方"),
        _("检测机构"),
        _("分包"),
        _("创建日期"),
        _("约定完成日期"),
        _("报价合计（元）"),
    ]
    values = orders.values_list(
        "number",
        "status",
        "need__title",
        "enterprise__name_zh",
        "institution__name_zh",
        "as_subcontractor",
        "created_at",
        "due_date",
        "quote__total",
    )
    for number, status_value, title, enterprise, institution, sub, created, due, total in values.iterator(
        chunk_size=CSV_CHUNK
    ):
        yield [
            number,
            str(labels.get(status_value, status_value)),
            title,
            "" if sub else enterprise,
            institution,
            _("是") if sub else "",
            timezone.localtime(created).date().isoformat() if created else "",
            due.isoformat() if due else "",
            "" if sub else f"{total:.2f}",
        ]


def csv_safe(value: Any) -> str:
    """A cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ------------------------------------------------------------------------------------------------------------------
# Choices for the review form
# ------------------------------------------------------------------------------------------------------------------


@dataclass
class ReviewChoices:
    scope_rows: dict[int, list[tuple[int, str]]]  # review item id → the institution's active rows of its edition
    subcontractors: list[tuple[int, str]]  # active institutions of the cluster, the reviewing one excepted


def review_choices(actor: Actor, detail: OrderDetail) -> ReviewChoices:
    """What the institution may pick for each item: its ACTIVE scope rows of the same parameter and the same
    edition (accredited ones marked), and the cluster's other active institutions as subcontractors. Three queries."""
    from tichub.accounts.models import Organisation
    from tichub.registry.models import ScopeRow
    from tichub.registry.services import alias_map, parameter_key

    if detail.side != INSTITUTION:
        return ReviewChoices({}, [])
    order = detail.order
    aliases = alias_map()
    keys = {item.pk: parameter_key(item.item.parameter, aliases=aliases) for item in detail.items}
    rows = list(
        ScopeRow.objects.filter(
            organisation_id=order.institution_id,
            status="active",
            standard_id__in={item.item.standard_id for item in detail.items},
            parameter_key__in=set(keys.values()),
        )
        .select_related("parameter_term", "object_term", "standard", "site")
        .order_by("pk")
    )
    today = timezone.localdate()
    accredited = set(
        ScopeRow.accreditations.through.objects.filter(
            scoperow_id__in=[row.pk for row in rows],
            accreditation__valid_from__lte=today,
            accreditation__valid_until__gte=today,
        ).values_list("scoperow_id", flat=True)
    )
    choices: dict[int, list[tuple[int, str]]] = {}
    for item in detail.items:
        for row in rows:
            if row.standard_id == item.item.standard_id and row.parameter_key == keys[item.pk]:
                label = " · ".join(
                    part
                    for part in (
                        row.object_term.name_zh,
                        row.parameter_term.name_zh,
                        row.standard.canonical + (f" {row.clause}" if row.clause else ""),
                        row.site.name_zh,
                        _("认可") if row.pk in accredited else _("未认可"),
                    )
                    if part
                )
                choices.setdefault(item.pk, []).append((row.pk, label))
    subcontractors = list(
        Organisation.objects.filter(kind=OrganisationKind.INSTITUTION, is_active=True)
        .exclude(pk=order.institution_id)
        .order_by("name_zh")
        .values_list("pk", "name_zh")
    )
    return ReviewChoices(choices, subcontractors)


# ------------------------------------------------------------------------------------------------------------------
# Load, for the registry's search ranking
# ------------------------------------------------------------------------------------------------------------------

OPEN_STATES = (
    OrderStatus.REVIEW,
    OrderStatus.ACCEPTED,
    OrderStatus.SAMPLES_SENT,
    OrderStatus.RECEIVED,
    OrderStatus.IN_PROGRESS,
)


def open_order_counts(institution_ids: Iterable[int]) -> dict[int, int]:
    """Open orders per institution (one grouped query): the hook `registry.search_selectors.institution_load`
    waits for. A count per institution that search already ranks publicly; no order or customer is revealed."""
    ids = list(institution_ids)
    counts = dict(
        Order.objects.filter(institution_id__in=ids, status__in=OPEN_STATES)
        .order_by()
        .values("institution_id")
        .annotate(n=Count("id"))
        .values_list("institution_id", "n")
    )
    return {pk: int(counts.get(pk, 0)) for pk in ids}
