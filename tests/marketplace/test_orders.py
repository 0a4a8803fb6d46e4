"""The order's state machine, cancellation, who sees an order, notifications, the operator's aggregate."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent, Notification
from tichub.marketplace import order_selectors as selectors
from tichub.marketplace import order_services as services
from tichub.marketplace.models import Order, ReviewItem, TimelineEvent

from .order_world import accepted, direct_order, items_of, make_acceptable, operator_actor
from .world import make_market, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def m():
    return make_market()


def state(order):
    order = Order.objects.get(pk=order.pk)
    return (
        order.status,
        order.number,
        order.cancel_reason,
        AuditEvent.objects.count(),
        TimelineEvent.objects.count(),
        Notification.objects.count(),
    )


# --- the state machine -------------------------------------------------------------------------------------------


def test_laboratory_steps_in_order(m):
    order = accepted(m)
    inst = m.lab.reception_actor
    for to in ("received", "in_progress", "completed"):
        audits = AuditEvent.objects.count()
        order = services.order_advance(actor=inst, order_id=order.pk, to=to)
        assert order.status == to
        assert AuditEvent.objects.count() == audits + 1
        event = AuditEvent.objects.latest("id")
        assert (event.action, event.after["status"], event.organisation_id) == (f"order.{to}", to, m.lab.id)
    texts = list(TimelineEvent.objects.filter(order=order).order_by("id").values_list("kind", "text_zh"))
    assert texts[-3:] == [("received", "实验室已接收样品"), ("in_progress", "检测开始"), ("completed", "检测完成")]
    notified = Notification.objects.filter(user=m.enterprise.owner, title__contains="检测完成")
    assert notified.count() == 1


def test_illegal_transitions_are_refused_naming_the_state(m):
    order = direct_order(m)
    inst = m.lab.reception_actor
    before = state(order)
    cases = [
        ("received", "委托单当前状态为“合同评审中”，不能改为“样品已接收”。"),
        ("accepted", "委托单当前状态为“合同评审中”，不能直接改为“已受理”。"),
        ("declined", "委托单当前状态为“合同评审中”，不能直接改为“评审未通过”。"),
        ("samples_sent", "委托单当前状态为“合同评审中”，不能直接改为“样品已寄出”。"),
        ("completed", "委托单当前状态为“合同评审中”，不能改为“已完成”。"),
    ]
    for to, message in cases:
        with pytest.raises(Conflict) as exc:
            services.order_advance(actor=inst, order_id=order.pk, to=to)
        assert exc.value.message == message
        assert exc.value.code == "illegal_transition"
        assert state(order) == before
    with pytest.raises(ServiceError) as exc:
        services.order_advance(actor=inst, order_id=order.pk, to="finished")
    assert exc.value.fields == {"to": ["目标状态无效。"]}
    make_acceptable(m, order)
    order = services.review_decide(actor=inst, order_id=order.pk, accept=True)
    before = state(order)
    for to in ("in_progress", "completed", "review"):
        with pytest.raises(Conflict, match="已受理"):
            services.order_advance(actor=inst, order_id=order.pk, to=to)
    assert state(order) == before
    # straight to RECEIVED from ACCEPTED is allowed (samples handed in at the counter)
    assert services.order_advance(actor=inst, order_id=order.pk, to="received").status == "received"
    with pytest.raises(Conflict, match="样品已接收"):
        services.order_advance(actor=inst, order_id=order.pk, to="received")


def test_advance_is_the_institutions(m):
    order = accepted(m)
    before = state(order)
    with pytest.raises(PermissionDenied):
        services.order_advance(actor=m.owner_actor, order_id=order.pk, to="received")
    with pytest.raises(PermissionDenied):
        services.order_advance(actor=m.lab.analyst_actor, order_id=order.pk, to="received")
    with pytest.raises(NotFound):
        services.order_advance(actor=m.lab2.reception_actor, order_id=order.pk, to="received")
    assert state(order) == before


def test_transition_helper_for_the_samples_service(m):
    order = accepted(m)
    services.order_transition_check(order, "samples_sent", services.ENTERPRISE)
    with pytest.raises(Conflict):
        services.order_transition_check(order, "samples_sent", services.INSTITUTION)
    order = services.order_apply_transition(
        actor=m.owner_actor, order=order, to="samples_sent", party=services.ENTERPRISE, action="order.samples_sent"
    )
    assert Order.objects.get(pk=order.pk).status == "samples_sent"
    assert TimelineEvent.objects.filter(order=order).latest("id").text_zh == "样品已寄出"
    assert Notification.objects.filter(user=m.lab.reception, title__contains="样品已寄出").count() == 1
    assert services.order_advance(actor=m.lab.admin_actor, order_id=order.pk, to="received").status == "received"


# --- cancellation ------------------------------------------------------------------------------------------------


def test_cancel_before_receipt_is_free(m):
    order = accepted(m)
    audits = AuditEvent.objects.count()
    order = services.order_cancel(actor=m.member_actor, order_id=order.pk, reason="产品停产")
    assert (order.status, order.cancel_reason) == ("cancelled", "产品停产")
    assert AuditEvent.objects.count() == audits + 1
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.reason, event.after["cancelled_by"]) == ("order.cancel", "产品停产", "enterprise")
    assert "cancellation_fee" not in event.after
    entry = TimelineEvent.objects.filter(order=order).latest("id")
    assert (entry.text_zh, entry.text_en) == (
        "委托已取消：产品停产 — 客户",
        "Order cancelled: 产品停产 — by the customer",
    )
    assert Notification.objects.filter(user=m.lab.reception, title__contains="已取消").count() == 1
    assert ReviewItem.objects.filter(review__order=order).count() == 2  # records kept


def test_cancel_during_review_by_the_institution(m):
    order = direct_order(m)
    order = services.order_cancel(actor=m.lab.quality_actor, order_id=order.pk, reason="客户要求")
    assert order.status == "cancelled"
    assert Notification.objects.filter(user=m.enterprise.owner, title__contains="已取消").count() == 1


def test_cancel_after_receipt_records_the_fee(m):
    order = accepted(m, prices=[Decimal("120.00"), Decimal("80.55")], fee=15)
    services.order_advance(actor=m.lab.reception_actor, order_id=order.pk, to="received")
    order = services.order_cancel(actor=m.owner_actor, order_id=order.pk, reason="不再需要")
    # 15 % of 200.55 = 30.0825 → 30.08
    assert order.status == "cancelled"
    assert (
        order.cancel_reason == "不再需要\n样品接收后取消：按报价条款收取取消费用 30.08 元（报价合计 200.55 元的 15%）"
    )
    event = AuditEvent.objects.latest("id")
    assert event.after["cancellation_fee"] == "30.08"
    entry = TimelineEvent.objects.filter(order=order).latest("id")
    assert entry.text_zh == "委托已取消：不再需要（取消费用 30.08 元） — 客户"
    assert services.cancellation_fee(Decimal("200.50"), 5) == Decimal("10.03")  # half up to the fen


def test_cancel_refusals(m):
    order = accepted(m)
    before = state(order)
    with pytest.raises(ServiceError) as exc:
        services.order_cancel(actor=m.owner_actor, order_id=order.pk, reason=" ")
    assert exc.value.fields == {"reason": ["请填写原因。"]}
    with pytest.raises(ServiceError) as exc:
        services.order_cancel(actor=m.owner_actor, order_id=order.pk, reason="x" * 1001)
    assert exc.value.fields == {"reason": ["原因最多 1000 个字。"]}
    with pytest.raises(NotFound):
        services.order_cancel(actor=m.outsider.owner_actor, order_id=order.pk, reason="x")
    with pytest.raises(NotFound):
        services.order_cancel(actor=m.lab2.admin_actor, order_id=order.pk, reason="x")
    with pytest.raises(PermissionDenied):
        services.order_cancel(actor=m.lab.analyst_actor, order_id=order.pk, reason="x")
    with pytest.raises(PermissionDenied):
        services.order_cancel(actor=operator_actor(), order_id=order.pk, reason="x")
    assert state(order) == before
    for to in ("received", "in_progress", "completed"):
        services.order_advance(actor=m.lab.reception_actor, order_id=order.pk, to=to)
    before = state(order)
    with pytest.raises(Conflict) as exc:
        services.order_cancel(actor=m.owner_actor, order_id=order.pk, reason="晚了")
    assert exc.value.message == "委托单当前状态为“已完成”，不能取消。"
    assert state(order) == before
    other = accepted(m, title="第二个")
    services.order_cancel(actor=m.owner_actor, order_id=other.pk, reason="一")
    before = state(other)
    with pytest.raises(Conflict, match="已取消"):
        services.order_cancel(actor=m.lab.admin_actor, order_id=other.pk, reason="二")
    assert state(other) == before


# --- who sees an order -------------------------------------------------------------------------------------------


def test_parties_see_the_order_third_parties_do_not(m):
    order = accepted(m)
    for actor in (m.owner_actor, m.member_actor, m.lab.analyst_actor, m.lab.admin_actor):
        detail = selectors.order_get(actor, order.pk)
        assert detail.order.pk == order.pk
        assert len(detail.items) == 2
        assert detail.timeline[0].kind == "review_opened"
        assert list(selectors.orders_for(actor)) == [order]
    for actor in (m.outsider.owner_actor, m.lab2.admin_actor, m.sub.admin_actor):
        with pytest.raises(NotFound):
            selectors.order_get(actor, order.pk)
        with pytest.raises(NotFound):
            selectors.order_timeline(actor, order.pk)
        assert list(selectors.orders_for(actor)) == []
    operator = operator_actor()
    with pytest.raises(PermissionDenied):  # the operator has no order view at all
        selectors.order_get(operator, order.pk)
    with pytest.raises(PermissionDenied):
        selectors.orders_for(operator)


def test_approved_subcontractor_sees_only_its_items(m):
    order = direct_order(m, lab=m.lab2, subcontract={2: m.sub}, prices=[Decimal("150.00"), Decimal("90.00")])
    items = items_of(order)
    # proposed but not yet approved by the customer: the subcontractor sees nothing
    with pytest.raises(NotFound):
        selectors.order_get(m.sub.admin_actor, order.pk)
    assert list(selectors.orders_for(m.sub.admin_actor)) == []
    services.review_approve_subcontract(actor=m.owner_actor, order_id=order.pk, item_id=items[2].pk)
    detail = selectors.order_get(m.sub.analyst_actor, order.pk)
    assert detail.side == "subcontractor"
    assert [i.pk for i in detail.items] == [items[2].pk]
    assert detail.items[0].line is None  # no prices
    assert detail.timeline == []
    assert detail.unread_messages is None
    listed = list(selectors.orders_for(m.sub.admin_actor))
    assert [(o.pk, o.as_subcontractor) for o in listed] == [(order.pk, True)]
    assert [(o.pk, o.as_subcontractor) for o in selectors.orders_for(m.lab2.admin_actor)] == [(order.pk, False)]
    with pytest.raises(NotFound):
        selectors.order_timeline(m.sub.admin_actor, order.pk)
    # it cannot act on the order as if it were the institution
    before = state(order)
    with pytest.raises(NotFound):
        services.review_set_item(actor=m.sub.admin_actor, order_id=order.pk, item_id=items[2].pk, verdict="not_covered")
    with pytest.raises(NotFound):
        services.order_cancel(actor=m.sub.admin_actor, order_id=order.pk, reason="x")
    assert state(order) == before
    # its name search does not reach the customer
    assert list(selectors.orders_for(m.sub.admin_actor, q=m.enterprise.org.name_zh)) == []
    assert list(selectors.orders_for(m.lab2.admin_actor, q=m.enterprise.org.name_zh)) == [order]


# --- notifications and e-mail -------------------------------------------------------------------------------------


def test_order_open_notifies_reviewers_and_emails_after_commit(m, django_capture_on_commit_callbacks, mailoutbox):
    from django_tasks import default_task_backend  # noqa: F401  (the immediate backend runs the task)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = direct_order(m)
    recipients = set(Notification.objects.filter(title="新委托待合同评审").values_list("user_id", flat=True))
    assert recipients == {m.lab.admin.pk, m.lab.reception.pk, m.lab.quality.pk}  # not the analyst
    assert len(callbacks) >= 1
    with django_capture_on_commit_callbacks(execute=True):
        make_acceptable(m, order)
        services.review_decide(actor=m.lab.admin_actor, order_id=order.pk, accept=True)
    year = today().year
    addresses = sorted(address for mail in mailoutbox for address in mail.to)
    assert m.enterprise.owner.email in addresses
    assert m.enterprise.member.email in addresses
    assert any(f"O{year}-00001" in mail.subject for mail in mailoutbox)


def test_english_readers_get_english_notifications(m):
    m.enterprise.member.language = "en"
    m.enterprise.member.save()
    order = accepted(m)
    assert Notification.objects.get(user=m.enterprise.member, title__contains=order.number).title == (
        f"order {order.number} accepted"
    )
    assert Notification.objects.get(user=m.enterprise.owner, title__contains=order.number).title == (
        f"委托单 {order.number}已受理"
    )


# --- the operator's aggregate ------------------------------------------------------------------------------------


def test_market_stats_are_aggregates_only(m):
    first = accepted(m, prices=[Decimal("100.00"), Decimal("20.50")])
    accepted(m, title="二", prices=[Decimal("10.00"), Decimal("10.00")])
    declined = direct_order(m, title="三")
    services.review_decide(actor=m.lab.admin_actor, order_id=declined.pk, accept=False, reason="满负荷")
    direct_order(m, title="四")
    services.order_advance(actor=m.lab.admin_actor, order_id=first.pk, to="received")
    stats = selectors.market_stats(operator_actor())
    counts = {s.status: s.count for s in stats.by_status}
    assert counts == {
        "review": 1, "accepted": 1, "declined": 1, "samples_sent": 0, "received": 1, "in_progress": 0,
        "completed": 0, "cancelled": 0,
    }  # fmt: skip
    assert (stats.total_orders, stats.accepted_orders, stats.accepted_amount) == (4, 2, Decimal("140.50"))
    assert len(stats.months) == 12
    this_month = stats.months[-1]
    assert (this_month.month, this_month.orders, this_month.accepted, this_month.amount) == (
        today().replace(day=1),
        4,
        2,
        Decimal("140.50"),
    )
    assert all(month.orders == 0 for month in stats.months[:-1])
    first_month = today().replace(day=1)
    for _ in range(11):
        first_month = (first_month - dt.timedelta(days=1)).replace(day=1)
    assert stats.months[0].month == first_month
    # nothing in the aggregate names an enterprise or an institution: only counts, amounts and months
    assert set(vars(stats)) == {"by_status", "total_orders", "accepted_orders", "accepted_amount", "months"}
    assert set(vars(stats.months[0])) == {"month", "orders", "accepted", "amount"}
    for actor in (m.owner_actor, m.lab.admin_actor):
        with pytest.raises(PermissionDenied):
            selectors.market_stats(actor)


def test_work_lists(m):
    from tichub.marketplace.models import Need, Quote

    review_order = direct_order(m)
    accepted(m, title="已受理的")
    scope_need = Need.objects.create(
        organisation=m.enterprise.org, created_by=m.owner, title="待报价的需求", product_description="x",
        deadline=today() + dt.timedelta(days=9), status="open",
    )  # fmt: skip
    Quote.objects.create(need=scope_need, enterprise=m.enterprise.org, institution=m.lab.org, status="requested")
    work = selectors.work_for(m.lab.analyst_actor)
    assert work.side == "institution"
    assert [q.need.title for q in work.quotes_due] == ["待报价的需求"]
    assert work.quotes_due_count == 1
    assert [o.pk for o in work.reviews_pending] == [review_order.pk]
    assert work.reviews_pending_count == 1
    assert {s.status: s.count for s in work.by_status}["accepted"] == 1
    assert work.total == 2
    mine = selectors.work_for(m.member_actor)
    assert mine.side == "enterprise"
    assert mine.awaiting_me == []  # no warnings, no subcontracting in these orders
    warned = direct_order(m, title="旧方法", items=[("铅", m.lead_old)])
    assert [o.pk for o in selectors.work_for(m.member_actor).awaiting_me] == [warned.pk]
    assert selectors.work_for(m.outsider.owner_actor).total == 0


def test_open_order_counts_for_search_ranking(m):
    accepted(m)
    direct_order(m, title="二")
    done = accepted(m, title="三")
    services.order_cancel(actor=m.owner_actor, order_id=done.pk, reason="不要了")
    assert selectors.open_order_counts([m.lab.id, m.lab2.id]) == {m.lab.id: 2, m.lab2.id: 0}
