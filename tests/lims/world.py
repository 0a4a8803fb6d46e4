"""Shared builders for the laboratory tests: a numbered order with samples sent, methods, instruments, people.

`lab_world(decision_rule=...)` builds, through the real marketplace services, an order of `w.m.enterprise` to
`w.m.lab` (tests/marketplace/world.py) with two items, its contract review accepted and two samples announced
and dispatched (order SAMPLES_SENT):

* item 1: 铅 (lead) by GB 5009.12-2017, ≤ 0.5 mg/kg (accredited at this lab);
* item 2: 镉 (cadmium) by GB 5009.15-2014, ≤ 0.1 mg/kg (not accredited: tested, stated on the report).

The laboratory has methods for both (`w.methods["pb"]`, `w.methods["cd"]`):

* pb: lead, unit mg/kg, 3 decimals, LOD 0.005, LOQ 0.020, U relative 10 %;
* cd: cadmium, unit µg/kg (not the specification's mg/kg: tests get it converted), LOD 1 µg/kg, LOQ 3 µg/kg,
  U absolute 2 µg/kg (→ 0.002 mg/kg), 2 decimals in µg/kg (→ 5 decimals in mg/kg).

People of the lab (users; actors as `w.<role>_actor`): admin, reception, quality (manager), analyst, analyst2,
reviewer, reviewer2, signatory (authorised for both editions), signatory2 (authorised for nothing).
Instruments: `w.icp` (ICP-MS, calibrated, due in 180 days) and `w.balance_overdue` (due yesterday).

`received(w, index=0)` makes the LabSample of announcement `index` and its tests as rows (not through the
receipt service), with the order moved to RECEIVED; use it wherever receipt itself is not under test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from tests.marketplace.order_world import direct_order, make_acceptable
from tests.marketplace.world import Market, actor_of, make_enterprise, make_market
from tichub.accounts.choices import Role
from tichub.accounts.models import User
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import member
from tichub.lims.models import LabSample, SignatoryAuthorisation, Test, TestMethod
from tichub.lims.plan import plan_tests
from tichub.marketplace import order_services, sample_services
from tichub.marketplace.choices import OrderStatus
from tichub.marketplace.models import NeedItem, Order, SampleAnnouncement
from tichub.metrology.models import Instrument
from tichub.registry.services import parameter_key

SAMPLES = [
    {"description": "一级白砂糖，袋装", "quantity": "2 袋 × 1 kg", "batch": "B20261101", "storage": "常温、干燥"},
    {"description": "一级白砂糖，散装留样", "quantity": "500 g", "batch": "B20261102", "storage": ""},
]


@dataclass
class LabWorld:
    m: Market
    order: Order
    announcements: list[SampleAnnouncement]
    methods: dict[str, TestMethod]
    icp: Instrument
    balance_overdue: Instrument
    people: dict[str, User] = field(default_factory=dict)

    ROLES = {
        "admin": Role.INSTITUTION_ADMIN,
        "reception": Role.RECEPTION,
        "quality": Role.QUALITY_MANAGER,
        "analyst": Role.ANALYST,
        "analyst2": Role.ANALYST,
        "reviewer": Role.REVIEWER,
        "reviewer2": Role.REVIEWER,
        "signatory": Role.AUTHORIZED_SIGNATORY,
        "signatory2": Role.AUTHORIZED_SIGNATORY,
    }

    @property
    def institution(self):
        return self.m.lab.org

    @property
    def enterprise(self):
        return self.m.enterprise.org

    def __getattr__(self, name: str) -> User | Actor:
        if name.endswith("_actor") and name[: -len("_actor")] in self.ROLES:
            role = name[: -len("_actor")]
            return actor_of(self.institution, self.people[role], self.ROLES[role])
        if name in self.ROLES:
            return self.people[name]
        raise AttributeError(name)

    @property
    def owner_actor(self) -> Actor:
        return self.m.owner_actor

    @property
    def outsider_lab_actor(self) -> Actor:
        """An allowed analyst of another institution (must get 404 on everything of this lab)."""
        return self.m.lab2.analyst_actor

    @property
    def outsider_enterprise_actor(self) -> Actor:
        other = make_enterprise("另一家企业 B")
        return other.owner_actor


def _method(lab, keyword: str, **fields) -> TestMethod:
    return TestMethod.objects.create(institution=lab, keyword=keyword, **fields)


def lab_world(*, decision_rule: str = "non_binary", samples: int = 2) -> LabWorld:
    m = make_market()
    order = direct_order(m, items=[("铅", m.lead), ("镉", m.cadmium)], decision_rule=decision_rule)
    for position, (spec, upper) in {1: ("≤ 0.5 mg/kg (GB 2762)", "0.5"), 2: ("≤ 0.1 mg/kg (GB 2762)", "0.1")}.items():
        NeedItem.objects.filter(need_id=order.need_id, position=position).update(
            specification=spec, upper_limit=upper, unit="mg/kg"
        )
    make_acceptable(m, order)
    order = order_services.review_decide(actor=m.lab.reception_actor, order_id=order.pk, accept=True)
    announced = sample_services.sample_announce(actor=m.owner_actor, order_id=order.pk, samples=SAMPLES[:samples])
    sample_services.sample_dispatch(actor=m.owner_actor, order_id=order.pk, courier="顺丰", tracking="SF1234567890")
    lab = m.lab.org
    methods = {
        "pb": _method(
            lab, "pb", parameter="铅", parameter_en="Lead", parameter_key=parameter_key("铅"), standard=m.lead,
            unit="mg/kg", places=3, lod="0.005", loq="0.020", uncertainty_kind="relative", uncertainty_value="10",
        ),
        "cd": _method(
            lab, "cd", parameter="镉", parameter_en="Cadmium", parameter_key=parameter_key("镉"), standard=m.cadmium,
            unit="µg/kg", places=2, lod="1", loq="3", uncertainty_kind="absolute", uncertainty_value="2",
        ),
    }  # fmt: skip
    today = timezone.localdate()
    icp = Instrument.objects.create(
        institution=lab, asset_number="ICP-01", name="电感耦合等离子体质谱仪", make="Agilent", model="7900",
        calibrated_on=today - dt.timedelta(days=185), calibration_due=today + dt.timedelta(days=180),
    )  # fmt: skip
    balance = Instrument.objects.create(
        institution=lab, asset_number="BAL-02", name="电子天平", make="Mettler Toledo", model="XS205",
        calibrated_on=today - dt.timedelta(days=366), calibration_due=today - dt.timedelta(days=1),
    )  # fmt: skip
    people = {"admin": m.lab.admin, "reception": m.lab.reception, "quality": m.lab.quality, "analyst": m.lab.analyst}
    for name, role in LabWorld.ROLES.items():
        people.setdefault(name, member(lab, role))
    for edition in (m.lead, m.cadmium):
        SignatoryAuthorisation.objects.create(
            institution=lab, user=people["signatory"], standard=edition, valid_from=today - dt.timedelta(days=30)
        )
    order.refresh_from_db()
    return LabWorld(
        m=m, order=order, announcements=announced, methods=methods, icp=icp, balance_overdue=balance, people=people
    )


def received(w: LabWorld, index: int = 0, *, number: str | None = None) -> LabSample:
    """Announcement `index` received as rows: the LabSample, its tests (plan_tests), order → RECEIVED."""
    announcement = w.announcements[index]
    now = timezone.now()
    sample = LabSample.objects.create(
        institution=w.institution,
        enterprise=w.enterprise,
        order=w.order,
        announcement=announcement,
        number=number or f"S2026-{announcement.pk:05d}",
        description=announcement.description,
        quantity=announcement.quantity,
        received_at=now,
        received_by=w.people["reception"],
        storage_location="样品室 A-01",
        retention_until=timezone.localdate() + dt.timedelta(days=90),
    )
    review_items = list(w.order.review.items.select_related("item"))
    keys = {ri.item.pk: parameter_key(ri.item.parameter) for ri in review_items}
    methods = {(m.standard_id, m.parameter_key): m for m in w.methods.values()}
    tests = plan_tests(
        order=w.order,
        sample=sample,
        review_items=review_items,
        methods=methods,
        parameter_keys=keys,
        due_date=timezone.localdate() + dt.timedelta(days=5),
    )
    Test.objects.bulk_create(tests)
    Order.objects.filter(pk=w.order.pk, status__in=[OrderStatus.SAMPLES_SENT, OrderStatus.ACCEPTED]).update(
        status=OrderStatus.RECEIVED
    )
    w.order.refresh_from_db()
    return sample


def sample_tests(sample: LabSample) -> dict[str, Test]:
    """The sample's tests by keyword ("pb", "cd")."""
    return {test.keyword: test for test in Test.objects.filter(sample=sample)}
