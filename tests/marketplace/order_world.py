"""Orders for the order/review tests, built directly from rows (Need, NeedItem, Quote, QuoteLine) on top of
`world.make_market()`, then opened through the real `order_open`: independent of the need and quote services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from tichub.accounts.choices import Role
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import OperatorFactory, member
from tichub.marketplace import order_services as services
from tichub.marketplace.models import Need, NeedItem, Order, Quote, QuoteLine

from .world import Enterprise, Institution, Market, today


def operator_actor() -> Actor:
    org = OperatorFactory()
    return Actor(user=member(org, Role.OPERATOR_ADMIN), organisation=org, roles=frozenset({Role.OPERATOR_ADMIN}))


def direct_order(
    m: Market,
    *,
    lab: Institution | None = None,
    enterprise: Enterprise | None = None,
    items: list[tuple[str, Any]] | None = None,
    subcontract: dict[int, Institution] | None = None,
    prices: list[Decimal] | None = None,
    turnaround: int | None = 5,
    fee: int = 20,
    title: str = "白砂糖重金属检测",
    decision_rule: str = "simple",
) -> Order:
    """An order in REVIEW: need items (parameter, edition) — default lead 2017 + cadmium 2014 — quoted by `lab`
    (default m.lab) at `prices` (default 120.00 each), items at the positions in `subcontract` given to it."""
    lab = lab or m.lab
    enterprise = enterprise or m.enterprise
    items = items if items is not None else [("铅", m.lead), ("镉", m.cadmium)]
    prices = prices or [Decimal("120.00")] * len(items)
    need = Need.objects.create(
        organisation=enterprise.org,
        created_by=enterprise.owner,
        title=title,
        product_description="一级白砂糖，袋装 1 kg",
        sample_count=2,
        deadline=today() + dt.timedelta(days=30),
        decision_rule=decision_rule,
        status="ordered",
    )
    need_items = [
        NeedItem.objects.create(need=need, position=i, object_text="白砂糖", parameter=p, standard=s, unit="mg/kg")
        for i, (p, s) in enumerate(items, 1)
    ]
    quote = Quote.objects.create(
        need=need,
        enterprise=enterprise.org,
        institution=lab.org,
        number="",
        status="accepted",
        submitted_at=timezone.now(),
        submitted_by=lab.reception,
        valid_until=today() + dt.timedelta(days=30),
        turnaround_days=turnaround,
        terms="款到发报告",
        cancellation_fee_percent=fee,
        total=sum(prices, Decimal("0")),
    )
    subcontract = subcontract or {}
    for item, price in zip(need_items, prices, strict=True):
        sub = subcontract.get(item.position)
        QuoteLine.objects.create(quote=quote, item=item, price=price, subcontractor=sub.org if sub else None)
    return services.order_open(quote=quote)


def items_of(order: Order) -> dict[int, Any]:
    """Review items by need-item position."""
    return {ri.item.position: ri for ri in order.review.items.select_related("item").all()}


def make_acceptable(m: Market, order: Order, lab: Institution | None = None) -> None:
    """Confirm every warning and approve every subcontract (customer), agree the decision rule (institution)."""
    lab = lab or m.lab
    for ri in order.review.items.all():
        if ri.method_warning and ri.warning_confirmed_at is None:
            services.review_confirm_warning(actor=m.owner_actor, order_id=order.pk, item_id=ri.pk)
        if ri.verdict == "subcontracted" and ri.subcontract_approved_at is None:
            services.review_approve_subcontract(actor=m.owner_actor, order_id=order.pk, item_id=ri.pk)
    services.review_record(actor=lab.reception_actor, order_id=order.pk, decision_rule_agreed=True, deviations="")


def accepted(m: Market, **kwargs: Any) -> Order:
    """An ACCEPTED (numbered) order."""
    lab = kwargs.get("lab") or m.lab
    order = direct_order(m, **kwargs)
    make_acceptable(m, order, lab)
    return services.review_decide(actor=lab.reception_actor, order_id=order.pk, accept=True)
