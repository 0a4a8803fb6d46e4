"""Roll an order's and its samples' states up from their tests (the laboratory's side of the order's life).

Called by the services that change tests, inside their transaction, after they have locked and written the
tests (locks are taken tests first, order last, everywhere, so that two writers never wait on each other in a
circle). A sample is 检测中 once one of its tests has a result and 待出报告 when all its live tests are approved;
the order moves RECEIVED → IN_PROGRESS with the first result and IN_PROGRESS → COMPLETED when every announced
sample has been received and every live test of the order is approved. Each order step goes through the order
state machine (audit event, timeline entry both parties see, notification of the enterprise).

A sample stays 检测中 once any of its tests had a result, even when a retest or a retraction leaves it with
only a pending copy (its testing has begun: the record of the earlier result is kept). A retracted approved
result (ISO/IEC 17025 7.10: invalidated work) reopens a COMPLETED order: `reopen=True` moves it back to
IN_PROGRESS when it is no longer finished; only the retraction asks for that, so that a result written on an
order completed by hand never reopens it silently.
"""

from __future__ import annotations

from django.db.models import Count, Q

from tichub.core.tenancy import Actor
from tichub.marketplace.choices import OrderStatus
from tichub.marketplace.models import Order, SampleAnnouncement
from tichub.marketplace.order_services import INSTITUTION, order_apply_transition

from .choices import LIVE_TEST_STATES, SampleStatus, TestStatus
from .models import LabSample, Test


def _sample_state(total: int, started: int, approved: int) -> str:
    if total and approved == total:
        return SampleStatus.READY
    return SampleStatus.TESTING if started else SampleStatus.RECEIVED


def progress_sync(*, actor: Actor, order_id: int, reopen: bool = False) -> None:
    """Bring the samples and the order of `order_id` in line with their tests (a constant number of queries).

    `reopen`: move a COMPLETED order back to IN_PROGRESS when some live test is no longer approved (retraction).
    """
    counts = list(
        Test.objects.filter(order_id=order_id)
        .values("sample_id")
        .annotate(
            total=Count("id", filter=Q(status__in=LIVE_TEST_STATES)),
            started=Count("id", filter=~Q(status=TestStatus.PENDING)),
            approved=Count("id", filter=Q(status=TestStatus.APPROVED)),
        )
        .filter(total__gt=0)
    )
    wanted: dict[str, list[int]] = {}
    for row in counts:
        state = _sample_state(row["total"], row["started"], row["approved"])
        wanted.setdefault(state, []).append(row["sample_id"])
    for state, sample_ids in wanted.items():
        # REPORTED belongs to the reports: a reported sample only changes again through an amendment.
        LabSample.objects.filter(pk__in=sample_ids).exclude(status__in=[state, SampleStatus.REPORTED]).update(
            status=state
        )
    started = any(row["started"] for row in counts)
    finished = bool(counts) and all(row["approved"] == row["total"] for row in counts)
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status == OrderStatus.RECEIVED and started:
        order_apply_transition(
            actor=actor,
            order=order,
            to=OrderStatus.IN_PROGRESS,
            party=INSTITUTION,
            action="order.in_progress",
            named=False,
        )
    if order.status == OrderStatus.IN_PROGRESS and finished and _all_received(order_id):
        order_apply_transition(
            actor=actor, order=order, to=OrderStatus.COMPLETED, party=INSTITUTION, action="order.completed", named=False
        )
    elif reopen and order.status == OrderStatus.COMPLETED and not finished:
        order_apply_transition(
            actor=actor,
            order=order,
            to=OrderStatus.IN_PROGRESS,
            party=INSTITUTION,
            action="order.reopened",
            named=False,
        )


def _all_received(order_id: int) -> bool:
    return not SampleAnnouncement.objects.filter(order_id=order_id, lab_sample__isnull=True).exists()
