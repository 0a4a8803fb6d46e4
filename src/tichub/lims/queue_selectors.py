"""Reads of the laboratory's tests: the filtered list, an analyst's work queue, the counts of the lab home page.

Everything is the actor's institution's only. A test is overdue when its due date has passed and it still has
work to do (live and not approved); lists carry that as `overdue` on each row (ISO/IEC 17025 7.1.1 d: the
agreed turnaround). Every function answers in a constant number of queries, whatever the number of tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.accounts.choices import Role
from tichub.accounts.models import User
from tichub.core.errors import ServiceError
from tichub.core.tenancy import Actor
from tichub.marketplace.choices import OrderStatus
from tichub.marketplace.models import SampleAnnouncement

from .choices import LIVE_TEST_STATES, TestStatus
from .method_selectors import lab_settings, members_with_role
from .models import Test

VIEW = "lims.sample.view"
#: Live tests with work still to do (an approved test is done; retested and retracted ones are records only).
OPEN_STATES = frozenset(LIVE_TEST_STATES - {TestStatus.APPROVED})
#: `status="open"` in a list filter: every state of OPEN_STATES.
OPEN = "open"
#: States in which the analyst is at work on a test (before submission, or after a rejection).
WORKING_STATES = frozenset({TestStatus.PENDING, TestStatus.ENTERED, TestStatus.REJECTED})
#: Orders whose dispatched samples the laboratory still expects.
EXPECTING_SAMPLES = frozenset({OrderStatus.SAMPLES_SENT, OrderStatus.RECEIVED, OrderStatus.IN_PROGRESS})
Q_MAX = 100


def overdue_q(today: dt.date) -> Q:
    return Q(due_date__lt=today, status__in=OPEN_STATES)


def _with_overdue(tests: QuerySet[Test], today: dt.date) -> QuerySet[Test]:
    return tests.annotate(
        overdue=Case(When(overdue_q(today), then=Value(True)), default=Value(False), output_field=BooleanField())
    )


def _by_due_date(tests: QuerySet[Test]) -> QuerySet[Test]:
    return tests.order_by(F("due_date").asc(nulls_last=True), "sample__number", "pk")


def test_list(
    actor: Actor,
    *,
    status: str | None = None,
    analyst: int | None = None,
    unassigned: bool = False,
    overdue: bool = False,
    method: int | None = None,
    keyword: str | None = None,
    q: str | None = None,
) -> QuerySet[Test]:
    """The institution's tests by due date (none last), sample number and id, each with `overdue`.

    `status`: one test status, or "open" for every state with work to do; `analyst`: the user id of the person
    assigned; `unassigned`: open tests without an analyst; `overdue`: open tests past their due date; `method` (id)
    or `keyword`: one method's tests; `q`: part of the sample number, the order number or the parameter.
    """
    actor.require(VIEW)
    today = timezone.localdate()
    tests = Test.objects.filter(institution_id=actor.tenant_id)
    if status == OPEN:
        tests = tests.filter(status__in=OPEN_STATES)
    elif status:
        if status not in TestStatus.values:
            raise ServiceError.field(
                "status",
                _("未知的检测状态“%(status)s”：可选 %(choices)s。")
                % {"status": status, "choices": ", ".join([OPEN, *TestStatus.values])},
            )
        tests = tests.filter(status=status)
    if analyst is not None:
        tests = tests.filter(analyst_id=analyst)
    if unassigned:
        tests = tests.filter(analyst__isnull=True, status__in=OPEN_STATES)
    if overdue:
        tests = tests.filter(overdue_q(today))
    if method is not None:
        tests = tests.filter(method_id=method)
    if keyword:
        tests = tests.filter(keyword=keyword.strip().lower())
    text = " ".join((q or "").split())[:Q_MAX]
    if text:
        tests = tests.filter(
            Q(sample__number__icontains=text)
            | Q(order__number__icontains=text)
            | Q(parameter__icontains=text)
            | Q(parameter_en__icontains=text)
        )
    tests = tests.select_related("sample", "order", "standard", "analyst", "instrument")
    return _by_due_date(_with_overdue(tests, today))


def my_queue(actor: Actor) -> QuerySet[Test]:
    """The tests assigned to the actor that still have work to do (not approved, retested or retracted), by due
    date (none last), each with `overdue`."""
    actor.require(VIEW)
    tests = Test.objects.filter(
        institution_id=actor.tenant_id, analyst=actor.person, status__in=OPEN_STATES
    ).select_related("sample", "order", "standard", "analyst", "instrument")
    return _by_due_date(_with_overdue(tests, timezone.localdate()))


@dataclass(frozen=True)
class LabOverview:
    """The counts of the lab home page."""

    awaiting_receipt: int  # samples sent by customers, not received yet
    unassigned: int  # open tests without an analyst
    in_progress: int  # assigned tests before submission (or returned after a rejection)
    awaiting_check: int  # submitted results waiting for a check (review levels 2 and 3)
    awaiting_approval: int  # results waiting for a signatory
    overdue: int  # open tests past their due date


def _review_q(levels: int) -> tuple[Q, Q]:
    """(awaiting a check, awaiting approval) for `levels` review levels: with n levels a result is checked n - 1
    times (checks_done counts them) and then approved."""
    submitted = Q(status=TestStatus.SUBMITTED)
    checked = Q(status=TestStatus.CHECKED)
    if levels <= 1:
        return Q(pk__in=[]), submitted | checked
    return submitted | (checked & Q(checks_done__lt=levels - 1)), checked & Q(checks_done__gte=levels - 1)


def lab_overview(actor: Actor) -> LabOverview:
    """Counts for the lab home page, in three queries (lab settings, tests, samples awaiting receipt)."""
    actor.require(VIEW)
    tenant = actor.tenant_id
    today = timezone.localdate()
    awaiting_check, awaiting_approval = _review_q(lab_settings(tenant).review_levels)
    counts = Test.objects.filter(institution_id=tenant, status__in=OPEN_STATES).aggregate(
        unassigned=Count("pk", filter=Q(analyst__isnull=True)),
        in_progress=Count("pk", filter=Q(analyst__isnull=False, status__in=WORKING_STATES)),
        awaiting_check=Count("pk", filter=awaiting_check),
        awaiting_approval=Count("pk", filter=awaiting_approval),
        overdue=Count("pk", filter=Q(due_date__lt=today)),
    )
    awaiting_receipt = SampleAnnouncement.objects.filter(
        order__institution_id=tenant,
        order__status__in=EXPECTING_SAMPLES,
        dispatched_at__isnull=False,
        lab_sample__isnull=True,
    ).count()
    return LabOverview(awaiting_receipt=awaiting_receipt, **counts)


def analysts(actor: Actor) -> list[User]:
    """Active analysts of the institution, by name (the choices of the assignment form)."""
    return members_with_role(actor, Role.ANALYST)
