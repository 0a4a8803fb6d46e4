"""Builders for the samples and messages tests: orders made as rows (fast, any state), and the two parties.

`pair()` gives an enterprise (owner, member) and an institution (admin, reception, quality manager, analyst) with
one ACCEPTED order between them; `order_row(...)` makes more orders in any state. The full path from a need to an
accepted order goes through tests/marketplace/world.py (engineer M1); these tests only need orders that exist.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from django.utils import timezone

from tichub.accounts.choices import Role
from tichub.accounts.models import Organisation, User
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import InstitutionFactory, OrganisationFactory, UserFactory, member
from tichub.marketplace.choices import NeedStatus, OrderStatus, QuoteStatus
from tichub.marketplace.models import Need, Order, Quote

_numbers = itertools.count(1)


def actor_of(org: Organisation, user: User, *roles: str) -> Actor:
    return Actor(user=user, organisation=org, roles=frozenset(roles))


def order_row(
    enterprise: Organisation,
    institution: Organisation,
    *,
    status: str = OrderStatus.ACCEPTED,
    number: str | None = None,
    created_by: User | None = None,
    submitted_by: User | None = None,
) -> Order:
    """An order between the two organisations, with the need and accepted quote it comes from."""
    n = next(_numbers)
    need = Need.objects.create(
        organisation=enterprise,
        created_by=created_by or UserFactory(),
        title=f"白砂糖检测 {n}",
        product_description="一级白砂糖",
        deadline=timezone.localdate() + dt.timedelta(days=30),
        status=NeedStatus.ORDERED,
    )
    quote = Quote.objects.create(
        need=need,
        enterprise=enterprise,
        institution=institution,
        status=QuoteStatus.ACCEPTED,
        submitted_by=submitted_by,
        submitted_at=timezone.now() if submitted_by else None,
    )
    if number is None:
        number = "" if status == OrderStatus.REVIEW else f"O2026-{n:05d}"
    return Order.objects.create(
        need=need,
        quote=quote,
        enterprise=enterprise,
        institution=institution,
        status=status,
        number=number,
        decision_rule="simple",
    )


@dataclass
class Pair:
    enterprise: Organisation
    owner: User
    member: User
    institution: Organisation
    admin: User
    reception: User
    quality: User
    analyst: User
    order: Order

    @property
    def owner_actor(self) -> Actor:
        return actor_of(self.enterprise, self.owner, Role.ENTERPRISE_OWNER)

    @property
    def member_actor(self) -> Actor:
        return actor_of(self.enterprise, self.member, Role.ENTERPRISE_MEMBER)

    @property
    def reception_actor(self) -> Actor:
        return actor_of(self.institution, self.reception, Role.RECEPTION)

    @property
    def admin_actor(self) -> Actor:
        return actor_of(self.institution, self.admin, Role.INSTITUTION_ADMIN)

    @property
    def analyst_actor(self) -> Actor:
        return actor_of(self.institution, self.analyst, Role.ANALYST)

    def another_order(self, **kwargs: object) -> Order:
        kwargs.setdefault("created_by", self.owner)
        kwargs.setdefault("submitted_by", self.reception)
        return order_row(self.enterprise, self.institution, **kwargs)  # type: ignore[arg-type]


def pair(*, status: str = OrderStatus.ACCEPTED, number: str | None = None) -> Pair:
    enterprise = OrganisationFactory(name_zh="广西某糖业有限公司", name_en="Guangxi Sugar Co., Ltd.")
    institution = InstitutionFactory(name_zh="广西检测中心甲", name_en="Guangxi Testing Centre A")
    owner = member(enterprise, Role.ENTERPRISE_OWNER)
    reception = member(institution, Role.RECEPTION)
    order = order_row(enterprise, institution, status=status, number=number, created_by=owner, submitted_by=reception)
    return Pair(
        enterprise=enterprise,
        owner=owner,
        member=member(enterprise, Role.ENTERPRISE_MEMBER),
        institution=institution,
        admin=member(institution, Role.INSTITUTION_ADMIN),
        reception=reception,
        quality=member(institution, Role.QUALITY_MANAGER),
        analyst=member(institution, Role.ANALYST),
        order=order,
    )


def outsiders() -> tuple[Actor, Actor]:
    """An allowed member of another enterprise, and of another institution."""
    enterprise = OrganisationFactory()
    institution = InstitutionFactory()
    return (
        actor_of(enterprise, member(enterprise, Role.ENTERPRISE_OWNER), Role.ENTERPRISE_OWNER),
        actor_of(institution, member(institution, Role.RECEPTION), Role.RECEPTION),
    )


SAMPLES = [
    {"description": "一级白砂糖，袋装", "quantity": "2 袋 × 1 kg", "batch": "B20260301", "storage": "常温、干燥"},
    {"description": "一级白砂糖，散装留样", "quantity": "500 g", "batch": "B20260302", "storage": ""},
]
