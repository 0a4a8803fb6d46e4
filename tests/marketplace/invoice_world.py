"""Orders to invoice, built from rows on top of `world.make_market()` and opened through the real `order_open`
(independent of the need, quote and review services): `invoiceable_order(m)` is ACCEPTED and numbered."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from tests.registry.search_world import edition
from tichub.accounts.choices import Role
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import InstitutionFactory, OrganisationFactory, member
from tichub.marketplace import order_services
from tichub.marketplace.models import Need, NeedItem, Order, Quote, QuoteLine
from tichub.standards.models import StandardEdition

from .world import Enterprise, Institution, Market, today

_serial = itertools.count(1)

LAB_NAME = "广西检测中心甲"  # make_market()'s m.lab


def invoiceable_order(
    m: Market,
    *,
    lab: Institution | None = None,
    enterprise: Enterprise | None = None,
    lines: list[tuple[str, StandardEdition, int, Decimal, Any]] | None = None,
    status: str = "accepted",
    fee: int = 20,
    title: str = "白砂糖重金属检测",
) -> Order:
    """An order of `enterprise` (default m.enterprise) with `lab` (default m.lab), in `status` (default ACCEPTED),
    numbered. `lines`: (parameter, edition, quantity, price, scope_row or None); default lead 3 × 120.00 (lab's
    scope row) + cadmium 1 × 85.50 (no scope row)."""
    lab = lab or m.lab
    enterprise = enterprise or m.enterprise
    if lines is None:
        lines = [
            ("铅", m.lead, 3, Decimal("120.00"), lab.rows.get("lead")),
            ("镉", m.cadmium, 1, Decimal("85.50"), None),
        ]
    return order_between(enterprise.org, enterprise.owner, lab.org, lines=lines, status=status, fee=fee, title=title)


def order_between(
    enterprise_org: Any,
    owner: Any,
    institution_org: Any,
    *,
    lines: list[tuple[str, StandardEdition, int, Decimal, Any]],
    status: str = "accepted",
    fee: int = 20,
    title: str = "白砂糖重金属检测",
) -> Order:
    need = Need.objects.create(
        organisation=enterprise_org,
        created_by=owner,
        title=title,
        product_description="一级白砂糖，袋装 1 kg",
        sample_count=2,
        deadline=today() + dt.timedelta(days=30),
        status="ordered",
    )
    total = sum((price * quantity for _p, _s, quantity, price, _r in lines), Decimal("0.00"))
    quote = Quote.objects.create(
        need=need,
        enterprise=enterprise_org,
        institution=institution_org,
        status="accepted",
        submitted_at=timezone.now(),
        valid_until=today() + dt.timedelta(days=30),
        turnaround_days=5,
        terms="款到发报告",
        cancellation_fee_percent=fee,
        total=total,
    )
    for position, (parameter, standard, quantity, price, row) in enumerate(lines, 1):
        item = NeedItem.objects.create(
            need=need, position=position, object_text="白砂糖", parameter=parameter, standard=standard, unit="mg/kg"
        )
        QuoteLine.objects.create(quote=quote, item=item, price=price, quantity=quantity, scope_row=row)
    order = order_services.order_open(quote=quote)
    number = f"O{today().year}-{next(_serial):05d}-{order.pk}"
    Order.objects.filter(pk=order.pk).update(status=status, number=number)
    order.refresh_from_db()
    return order


def bare_order(org: Any, *, status: str = "accepted") -> tuple[Order, Actor, str]:
    """For the permission suite: an order between `org` (either kind) and a fresh counterpart whose name is a
    unique ASCII secret, one line 100.00. Returns (order, the institution's admin actor, the secret)."""
    secret = f"secret-party-{next(_serial)}"
    if org.kind == "enterprise":
        enterprise, institution = org, InstitutionFactory(name_zh=secret)
    else:
        enterprise, institution = OrganisationFactory(name_zh=secret), org
    owner = member(enterprise, Role.ENTERPRISE_OWNER)
    admin = member(institution, Role.INSTITUTION_ADMIN)
    standard = StandardEdition.objects.filter(canonical="GB 5009.12-2017").first() or edition("GB 5009.12-2017")
    lines = [("铅", standard, 1, Decimal("100.00"), None)]
    order = order_between(enterprise, owner, institution, lines=lines, status=status, title="检测委托")
    actor = Actor(user=admin, organisation=institution, roles=frozenset({Role.INSTITUTION_ADMIN}))
    return order, actor, secret
