"""Reading the laboratory's samples (ISO/IEC 17025 7.4): what is waiting to be received, a scanned label, the
sample list, one sample with its tests, parts and chain of custody.

Every read needs "lims.sample.view" and sees the actor's institution only: a sample, an announcement or an order
of another institution answers NotFound, as one that does not exist. Query budgets: a list is a count and one
query whatever the number of rows; one sample is four queries whatever the number of its tests, parts and custody
events; a receipt candidate is three.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.accounts.models import Membership, User
from tichub.core.errors import NotFound, ServiceError
from tichub.core.tenancy import Actor
from tichub.marketplace.choices import OrderStatus
from tichub.marketplace.models import Order, ReviewItem, SampleAnnouncement
from tichub.marketplace.sample_selectors import sample_lookup

from .choices import LIVE_TEST_STATES, CustodyKind, SampleStatus, TestStatus
from .models import CustodyEvent, LabSample, Test
from .plan import TESTED_VERDICTS

VIEW = "lims.sample.view"
#: Order states in which samples may arrive at the laboratory.
RECEIVABLE = frozenset({OrderStatus.ACCEPTED, OrderStatus.SAMPLES_SENT, OrderStatus.RECEIVED, OrderStatus.IN_PROGRESS})
Q_MAX = 100
AWAITING_SHOWN = 200


def sample_not_found() -> NotFound:
    return NotFound(_("样品不存在，或不属于本机构。"))


# --- receipt ------------------------------------------------------------------------------------------------------


@dataclass
class ReceiptCandidate:
    """An announced sample as the receiving laboratory sees it: its order, what will be tested (the review items
    admitted by contract review, by position), and the laboratory sample when it has been received already."""

    announcement: SampleAnnouncement
    order: Order
    items: list[ReviewItem]
    lab_sample: LabSample | None

    @property
    def received(self) -> bool:
        return self.lab_sample is not None

    @property
    def receivable(self) -> bool:
        return self.lab_sample is None and self.order.status in RECEIVABLE


def _candidate(announcement: SampleAnnouncement) -> ReceiptCandidate:
    order = announcement.order
    items = list(
        ReviewItem.objects.filter(review__order_id=order.pk, verdict__in=TESTED_VERDICTS)
        .select_related("item__standard")
        .order_by("item__position")
    )
    lab_sample = LabSample.objects.filter(announcement_id=announcement.pk).order_by().first()
    return ReceiptCandidate(announcement=announcement, order=order, items=items, lab_sample=lab_sample)


def receipt_lookup(*, actor: Actor, scanned_text: str) -> ReceiptCandidate:
    """The announced sample a scanned label (or a typed sample reference) names, for the institution of its order
    only (marketplace `sample_lookup`), with what will be tested and whether it has been received already."""
    actor.require(VIEW)
    return _candidate(sample_lookup(actor=actor, scanned_text=scanned_text).sample)


def receipt_candidate(actor: Actor, announcement_id: int) -> ReceiptCandidate:
    """The announced sample `announcement_id` of one of the institution's orders (picked from the list)."""
    actor.require(VIEW)
    announcement = (
        SampleAnnouncement.objects.select_related("order__enterprise", "order__institution")
        .filter(pk=announcement_id, order__institution_id=actor.tenant_id)
        .order_by()
        .first()
    )
    if announcement is None:
        raise NotFound(_("该样品不存在，或不是寄往本机构的。"))
    return _candidate(announcement)


def awaiting_receipt(actor: Actor) -> QuerySet[SampleAnnouncement]:
    """Samples announced on the institution's orders (in a state where samples may arrive) and not received yet:
    those the customer has dispatched first (oldest dispatch first), then those only announced."""
    actor.require(VIEW)
    return (
        SampleAnnouncement.objects.filter(
            order__institution_id=actor.tenant_id, order__status__in=RECEIVABLE, lab_sample__isnull=True
        )
        .select_related("order__enterprise")
        .order_by(F("dispatched_at").asc(nulls_last=True), "order_id", "reference")
    )


# --- lists --------------------------------------------------------------------------------------------------------


def clean_status(status: str | None) -> str:
    status = (status or "").strip()
    if status and status not in SampleStatus.values:
        raise ServiceError.field(
            "status",
            _("状态须为以下之一：%(values)s。") % {"values": "、".join(SampleStatus.values)},
            code="invalid_choice",
        )
    return status


def clean_q(q: str | None) -> str:
    q = (q or "").strip()
    if len(q) > Q_MAX:
        raise ServiceError.field("q", _("搜索词最多 %(n)d 个字。") % {"n": Q_MAX}, code="too_long")
    return q


def _visible(actor: Actor) -> QuerySet[LabSample]:
    actor.require(VIEW)
    return LabSample.objects.filter(institution_id=actor.tenant_id)


def sample_list(
    actor: Actor,
    *,
    status: str | None = None,
    q: str | None = None,
    order_id: int | None = None,
    awaiting: bool = False,
) -> QuerySet[LabSample]:
    """The institution's samples and sub-samples, newest receipt first, with their live and approved test counts.

    `q` finds a text in the sample number, its description, the order number or the customer's sample reference;
    `awaiting=True` keeps the disposal queue: samples past their retention date that are not disposed of yet.
    """
    status = clean_status(status)
    q = clean_q(q)
    samples = _visible(actor)
    if status:
        samples = samples.filter(status=status)
    if order_id is not None:
        samples = samples.filter(order_id=order_id)
    if q:
        samples = samples.filter(
            Q(number__icontains=q)
            | Q(description__icontains=q)
            | Q(order__number__icontains=q)
            | Q(announcement__reference__icontains=q)
        )
    if awaiting:
        samples = samples.filter(disposed_at__isnull=True, retention_until__lte=timezone.localdate())
    return (
        samples.select_related("order", "enterprise", "announcement", "parent", "custodian")
        .annotate(
            tests_live=Count("tests", filter=Q(tests__status__in=LIVE_TEST_STATES)),
            tests_approved=Count("tests", filter=Q(tests__status=TestStatus.APPROVED)),
        )
        .order_by("-received_at", "number", "-id")
    )


# --- one sample ---------------------------------------------------------------------------------------------------


@dataclass
class SampleDetail:
    """One sample with its order, customer, tests (a read-only summary), parts and chain of custody."""

    sample: LabSample
    tests: list[Test]
    parts: list[LabSample]
    custody: list[CustodyEvent]

    @property
    def returned(self) -> bool:
        """Returned to the customer: the last link of the chain is a return."""
        return bool(self.custody) and self.custody[-1].kind == CustodyKind.RETURN

    @property
    def in_custody(self) -> bool:
        """Still kept by the laboratory: neither disposed of nor returned."""
        return self.sample.disposed_at is None and not self.returned

    @property
    def pending_tests(self) -> list[Test]:
        return [test for test in self.tests if test.status == TestStatus.PENDING]

    @property
    def unfinished_tests(self) -> list[Test]:
        return [test for test in self.tests if test.status in LIVE_TEST_STATES and test.status != TestStatus.APPROVED]


def sample_get(actor: Actor, sample_id: int) -> LabSample:
    """The institution's sample with its order and customer; NotFound otherwise."""
    sample = (
        _visible(actor)
        .select_related("order", "enterprise", "announcement", "parent", "received_by", "custodian")
        .filter(pk=sample_id)
        .order_by()
        .first()
    )
    if sample is None:
        raise sample_not_found()
    return sample


def sample_detail(actor: Actor, sample_id: int) -> SampleDetail:
    """Everything about one sample in four queries, whatever the number of its tests, parts and custody events."""
    sample = sample_get(actor, sample_id)
    tests = list(Test.objects.filter(sample_id=sample.pk).select_related("standard", "analyst").order_by("pk"))
    parts = list(LabSample.objects.filter(parent_id=sample.pk).select_related("custodian").order_by("pk"))
    for part in parts:  # a part shares its parent's order and customer: no query per part
        part.order, part.enterprise = sample.order, sample.enterprise
    custody = list(
        CustodyEvent.objects.filter(sample_id=sample.pk).select_related("by", "to_person").order_by("at", "pk")
    )
    return SampleDetail(sample=sample, tests=tests, parts=parts, custody=custody)


def custody_returned(sample_id: int) -> bool:
    """Whether the sample's last custody link is its return to the customer (for services that locked it)."""
    last = CustodyEvent.objects.filter(sample_id=sample_id).order_by("-at", "-pk").values_list("kind", flat=True)
    return last.first() == CustodyKind.RETURN


def institution_people(actor: Actor) -> list[User]:
    """Active members of the actor's institution, by name: who may take a sample over."""
    actor.require(VIEW)
    people: dict[int, Any] = {}
    memberships = Membership.objects.filter(organisation_id=actor.tenant_id, user__is_active=True).select_related(
        "user"
    )
    for membership in memberships:
        people.setdefault(membership.user_id, membership.user)
    return sorted(people.values(), key=lambda user: (user.name, user.pk))
