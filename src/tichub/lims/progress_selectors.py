"""An order's laboratory progress as both parties see it: per sample, how far its tests have come.

The enterprise follows its order without seeing the laboratory's inside: no internal notes, no analysts' names, no
result values (results reach the customer in the report, once reviewed and authorised: ISO/IEC 17025 7.8.1.1).
Only counts, states and due dates are read here (`values()`, never whole rows), so nothing else can leak.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.core.tenancy import Actor
from tichub.marketplace.models import SampleAnnouncement
from tichub.marketplace.sample_selectors import party_order

from .choices import LIVE_TEST_STATES, SampleStatus, TestStatus
from .models import LabSample

#: Live tests whose result is written (a rejected result is being redone: it does not count).
WITH_RESULT = frozenset({TestStatus.ENTERED, TestStatus.SUBMITTED, TestStatus.CHECKED, TestStatus.APPROVED})
DONE = frozenset({SampleStatus.READY, SampleStatus.REPORTED})
NOT_RECEIVED = "not_received"


@dataclass(frozen=True)
class SampleProgress:
    number: str
    description: str
    status: str  # a SampleStatus value, or "not_received" for a sample announced but not yet at the laboratory
    tests_total: int
    tests_with_result: int
    tests_approved: int
    due_date: dt.date | None
    overdue: bool

    @property
    def status_label(self) -> str:
        if self.status == NOT_RECEIVED:
            return _("待接收")
        return str(SampleStatus(self.status).label)


@dataclass(frozen=True)
class OrderProgress:
    order_id: int
    number: str
    status: str
    samples: list[SampleProgress]

    @property
    def tests_total(self) -> int:
        return sum(sample.tests_total for sample in self.samples)

    @property
    def tests_with_result(self) -> int:
        return sum(sample.tests_with_result for sample in self.samples)

    @property
    def tests_approved(self) -> int:
        return sum(sample.tests_approved for sample in self.samples)

    @property
    def overdue_count(self) -> int:
        return sum(1 for sample in self.samples if sample.overdue)


def order_progress(actor: Actor, order_id: int) -> OrderProgress:
    """The order's samples (received ones by number, then those still on their way) with their tests counted:
    total, with a result, approved; the due date (the latest of its live tests', else the order's) and whether it
    is overdue. For the order's enterprise and institution ("market.order.view"); anybody else: NotFound. Three
    queries whatever the number of samples and tests."""
    order = party_order(actor, order_id)
    live = Q(tests__status__in=LIVE_TEST_STATES)
    rows = (
        LabSample.objects.filter(order_id=order.pk)
        .values("number", "description", "status")
        .annotate(
            total=Count("tests", filter=live),
            with_result=Count("tests", filter=live & Q(tests__status__in=WITH_RESULT)),
            approved=Count("tests", filter=Q(tests__status=TestStatus.APPROVED)),
            due=Max("tests__due_date", filter=live),
        )
        .order_by("number")
    )
    today = timezone.localdate()
    samples = []
    for row in rows:
        due = row["due"] or order.due_date
        samples.append(
            SampleProgress(
                number=row["number"],
                description=row["description"],
                status=row["status"],
                tests_total=row["total"],
                tests_with_result=row["with_result"],
                tests_approved=row["approved"],
                due_date=due,
                overdue=due is not None and due < today and row["status"] not in DONE,
            )
        )
    on_their_way = SampleAnnouncement.objects.filter(order_id=order.pk, lab_sample__isnull=True).order_by("pk")
    for announced in on_their_way.values("reference", "description"):
        samples.append(
            SampleProgress(
                number=announced["reference"],
                description=announced["description"],
                status=NOT_RECEIVED,
                tests_total=0,
                tests_with_result=0,
                tests_approved=0,
                due_date=order.due_date,
                overdue=False,
            )
        )
    return OrderProgress(order_id=order.pk, number=order.number, status=order.status, samples=samples)
