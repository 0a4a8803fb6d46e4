"""Contract review (ISO/IEC 17025 7.1): exact-edition verdicts, warnings, subcontracting, the decision."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from tests.registry.search_world import accredit, edition, scope
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent, Notification, NumberingRule, NumberSequence
from tichub.marketplace import order_services as services
from tichub.marketplace.models import ContractReview, Order, ReviewItem, TimelineEvent
from tichub.registry.models import ScopeRow

from .order_world import accepted, direct_order, items_of, make_acceptable
from .world import make_market, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def m():
    return make_market()


def state(order):
    """Everything a refused action must leave as it was."""
    order = Order.objects.get(pk=order.pk)
    review = ContractReview.objects.get(order=order)
    items = list(
        ReviewItem.objects.filter(review=review)
        .order_by("pk")
        .values_list(
            "verdict", "scope_row_id", "subcontractor_id", "warning_confirmed_at", "subcontract_approved_at",
            "subcontract_approved_by",
        )
    )  # fmt: skip
    return (
        order.status,
        order.number,
        order.cancel_reason,
        review.decision_rule_agreed,
        review.deviations,
        review.accepted,
        review.decided_at,
        review.decline_reason,
        items,
        AuditEvent.objects.count(),
        TimelineEvent.objects.count(),
        Notification.objects.count(),
        NumberSequence.objects.count(),
    )


# --- opening: prefilled verdicts on the exact edition -------------------------------------------------------------


def test_order_open_prefills_exact_edition_verdicts(m):
    order = direct_order(m, items=[("铅", m.lead), ("镉", m.cadmium), ("铅", m.lead_old), ("汞", m.lead)])
    items = items_of(order)
    assert order.status == "review"
    assert order.number == ""
    assert order.decision_rule == "simple"
    assert (order.enterprise_id, order.institution_id) == (m.enterprise.id, m.lab.id)
    # lead 2017: the lab's CNAS-accredited row of that very edition
    assert items[1].verdict == "accredited"
    assert items[1].scope_row_id == m.lab.rows["lead"].pk
    assert items[1].method_warning == ""
    # cadmium 2014: in scope, no accreditation → to be stated on the report
    assert items[2].verdict == "not_accredited"
    assert items[2].scope_row_id == m.lab.rows["cadmium"].pk
    # lead 2010: the lab holds 2017 only — another edition is not covered; the method is withdrawn
    assert items[3].verdict == "not_covered"
    assert items[3].scope_row_id is None
    assert items[3].method_warning == "GB 5009.12-2010 已废止，被 GB 5009.12-2017 代替"
    # mercury by the lead method: no such row
    assert items[4].verdict == "not_covered"
    timeline = list(TimelineEvent.objects.filter(order=order).values_list("kind", "text_zh", "text_en"))
    assert timeline == [("review_opened", "已接受报价，进入合同评审", "Quote accepted; contract review opened")]


def test_order_open_withdrawn_edition_in_scope_is_covered_but_warned(m):
    scope(m.lab.org, m.lead_old, accreditations=[accredit(m.lab.org)])
    order = direct_order(m, items=[("铅", m.lead_old)])
    item = items_of(order)[1]
    assert item.verdict == "accredited"
    assert item.method_warning == "GB 5009.12-2010 已废止，被 GB 5009.12-2017 代替"


def test_order_open_subcontracted_line(m):
    order = direct_order(m, lab=m.lab2, subcontract={2: m.sub}, prices=[Decimal("150.00"), Decimal("90.00")])
    items = items_of(order)
    assert items[1].verdict == "accredited"
    assert items[1].scope_row_id == m.lab2.rows["lead"].pk
    assert items[2].verdict == "subcontracted"
    assert items[2].subcontractor_id == m.sub.id
    assert items[2].scope_row_id is None
    assert items[2].subcontract_approved_at is None


def test_order_open_ignores_inactive_rows_and_expired_accreditations(m):
    ScopeRow.objects.filter(pk=m.lab.rows["cadmium"].pk).update(status="suspended")
    m.lab.rows["lead"].accreditations.update(valid_until=today() - dt.timedelta(days=1))
    order = direct_order(m)
    items = items_of(order)
    assert items[1].verdict == "not_accredited"
    assert items[2].verdict == "not_covered"


def test_order_open_alias_and_due_date(m):
    from tichub.registry.models import ParameterAlias

    ParameterAlias.objects.create(alias="pb", canonical="铅")
    order = direct_order(m, items=[("Pb", m.lead)], turnaround=5)
    assert items_of(order)[1].verdict == "accredited"
    assert order.due_date == services.add_working_days(today(), 5)
    assert order.due_date.weekday() < 5
    assert (order.due_date - today()).days in (5, 6, 7)


def test_add_working_days_skips_weekends():
    friday = dt.date(2026, 1, 2)
    assert services.add_working_days(friday, 1) == dt.date(2026, 1, 5)
    assert services.add_working_days(friday, 5) == dt.date(2026, 1, 9)
    assert services.add_working_days(dt.date(2026, 1, 3), 1) == dt.date(2026, 1, 5)  # from a Saturday
    assert services.add_working_days(friday, 0) == friday


def test_method_warning_texts(m):
    newer = edition("GB 5009.15-2025", title="食品中镉的测定")
    upcoming_out = m.cadmium
    upcoming_out.status, upcoming_out.replaced_by = "to_be_withdrawn", newer
    assert services.method_warning(upcoming_out) == "GB 5009.15-2014 即将废止，将被 GB 5009.15-2025 代替"
    assert services.method_warning(m.lead_old) == "GB 5009.12-2010 已废止，被 GB 5009.12-2017 代替"
    assert services.method_warning(m.lead) == ""
    lonely = edition("GB 5009.99-2003", status="withdrawn")
    assert services.method_warning(lonely) == "GB 5009.99-2003 已废止"


# --- the institution changes verdicts ---------------------------------------------------------------------------


def test_review_set_item_checks_the_exact_edition(m):
    other_row = scope(m.lab.org, m.lead_old, accreditations=[accredit(m.lab.org)])
    order = direct_order(m)
    item = items_of(order)[1]
    before = state(order)
    with pytest.raises(ServiceError) as exc:
        services.review_set_item(
            actor=m.lab.reception_actor, order_id=order.pk, item_id=item.pk, verdict="accredited",
            scope_row_id=other_row.pk,
        )  # fmt: skip
    assert exc.value.fields == {
        "scope_row_id": ["能力范围行的方法为 GB 5009.12-2010，委托项目要求 GB 5009.12-2017：须为同一版本。"]
    }
    assert state(order) == before


def test_review_set_item_refusals_change_nothing(m):
    order = direct_order(m)
    items = items_of(order)
    before = state(order)
    cases = [
        ({"verdict": "maybe"}, "verdict", "评审结论无效。"),
        ({"verdict": "accredited"}, "scope_row_id", "请选择本机构能力范围中对应的一行。"),
        (
            {"verdict": "accredited", "scope_row_id": m.lab2.rows["lead"].pk},
            "scope_row_id",
            "这不是本机构能力范围中的一行。",
        ),
        (
            {"verdict": "accredited", "item_id": items[2].pk, "scope_row_id": m.lab.rows["cadmium"].pk},
            "verdict",
            "该能力范围行没有有效的认可，只能评为“有能力但不在认可范围内”。",
        ),
        (
            {"verdict": "not_accredited", "item_id": items[2].pk, "scope_row_id": m.lab.rows["lead"].pk},
            "scope_row_id",
            "能力范围行的方法为 GB 5009.12-2017，委托项目要求 GB 5009.15-2014：须为同一版本。",
        ),
        ({"verdict": "subcontracted"}, "subcontractor_id", "分包须指明分包机构。"),
        ({"verdict": "subcontracted", "subcontractor_id": m.lab.id}, "subcontractor_id", "不能分包给本机构。"),
        (
            {"verdict": "subcontracted", "subcontractor_id": m.enterprise.id},
            "subcontractor_id",
            "分包机构须为集聚区内有效的检验检测机构。",
        ),
    ]
    for kwargs, name, message in cases:
        kwargs = {"item_id": items[1].pk, **kwargs}
        with pytest.raises(ServiceError) as exc:
            services.review_set_item(actor=m.lab.reception_actor, order_id=order.pk, **kwargs)
        assert exc.value.fields == {name: [message]}, kwargs
        assert state(order) == before
    ScopeRow.objects.filter(pk=m.lab.rows["cadmium"].pk).update(status="withdrawn")
    with pytest.raises(ServiceError) as exc:
        services.review_set_item(
            actor=m.lab.reception_actor, order_id=order.pk, item_id=items[2].pk, verdict="not_accredited",
            scope_row_id=m.lab.rows["cadmium"].pk,
        )  # fmt: skip
    assert exc.value.fields == {"scope_row_id": ["该能力范围行的状态为“撤销”，不能用于评审。"]}
    assert state(order) == before


def test_review_set_item_changes_are_recorded(m):
    order = direct_order(m)
    items = items_of(order)
    audits, events = AuditEvent.objects.count(), TimelineEvent.objects.count()
    item = services.review_set_item(
        actor=m.lab.quality_actor, order_id=order.pk, item_id=items[2].pk, verdict="subcontracted",
        subcontractor_id=m.sub.id,
    )  # fmt: skip
    assert (item.verdict, item.subcontractor_id, item.scope_row_id) == ("subcontracted", m.sub.id, None)
    assert AuditEvent.objects.count() == audits + 1
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.before["verdict"], event.after["verdict"]) == (
        "order.review_item",
        "not_accredited",
        "subcontracted",
    )
    assert event.after["subcontractor"] == m.sub.id
    entry = TimelineEvent.objects.latest("id")
    assert TimelineEvent.objects.count() == events + 1
    assert entry.text_zh == "评审项目 2. 镉（GB 5009.15-2014）：分包"
    assert entry.text_en == "Review item 2. 镉 (GB 5009.15-2014): subcontracted"
    # the same again changes nothing and records nothing
    services.review_set_item(
        actor=m.lab.quality_actor, order_id=order.pk, item_id=items[2].pk, verdict="subcontracted",
        subcontractor_id=m.sub.id,
    )  # fmt: skip
    assert AuditEvent.objects.count() == audits + 1
    # an approved subcontract is asked anew when the subcontractor changes
    services.review_approve_subcontract(actor=m.owner_actor, order_id=order.pk, item_id=items[2].pk)
    services.review_set_item(
        actor=m.lab.quality_actor, order_id=order.pk, item_id=items[2].pk, verdict="subcontracted",
        subcontractor_id=m.lab2.id,
    )  # fmt: skip
    item.refresh_from_db()
    assert (item.subcontractor_id, item.subcontract_approved_at, item.subcontract_approved_by_id) == (
        m.lab2.id,
        None,
        None,
    )
    # back to the lab's own row, not accredited
    item = services.review_set_item(
        actor=m.lab.quality_actor, order_id=order.pk, item_id=items[2].pk, verdict="not_accredited",
        scope_row_id=m.lab.rows["cadmium"].pk,
    )  # fmt: skip
    assert (item.verdict, item.scope_row_id, item.subcontractor_id) == (
        "not_accredited",
        m.lab.rows["cadmium"].pk,
        None,
    )


def test_review_services_refuse_other_tenants_and_roles(m):
    order = direct_order(m)
    other = direct_order(m, title="另一个委托")
    item = items_of(order)[1]
    before = state(order)
    with pytest.raises(PermissionDenied):
        services.review_set_item(actor=m.lab.analyst_actor, order_id=order.pk, item_id=item.pk, verdict="not_covered")
    with pytest.raises(NotFound):
        services.review_set_item(
            actor=m.lab2.reception_actor, order_id=order.pk, item_id=item.pk, verdict="not_covered"
        )
    with pytest.raises(NotFound):
        services.review_record(actor=m.lab2.admin_actor, order_id=order.pk, decision_rule_agreed=True, deviations="")
    with pytest.raises(NotFound):
        services.review_decide(actor=m.lab2.admin_actor, order_id=order.pk, accept=False, reason="no")
    with pytest.raises(NotFound):
        services.review_confirm_warning(actor=m.outsider.owner_actor, order_id=order.pk, item_id=item.pk)
    with pytest.raises(NotFound):
        services.review_approve_subcontract(actor=m.outsider.owner_actor, order_id=order.pk, item_id=item.pk)
    with pytest.raises(PermissionDenied):  # the enterprise does not decide the institution's review
        services.review_decide(actor=m.owner_actor, order_id=order.pk, accept=True)
    with pytest.raises(PermissionDenied):  # nor does the institution confirm for the customer
        services.review_confirm_warning(actor=m.lab.admin_actor, order_id=order.pk, item_id=item.pk)
    with pytest.raises(NotFound):  # an item of another order
        services.review_set_item(
            actor=m.lab.reception_actor, order_id=order.pk, item_id=items_of(other)[1].pk, verdict="not_covered"
        )
    assert state(order) == before


# --- the customer's part ------------------------------------------------------------------------------------------


def test_customer_confirms_warning_and_approves_subcontract(m):
    scope(m.lab2.org, m.lead_old, accreditations=[accredit(m.lab2.org)])
    order = direct_order(m, lab=m.lab2, items=[("铅", m.lead_old), ("镉", m.cadmium)], subcontract={2: m.sub})
    items = items_of(order)
    assert items[1].method_warning == "GB 5009.12-2010 已废止，被 GB 5009.12-2017 代替"
    services.review_confirm_warning(actor=m.member_actor, order_id=order.pk, item_id=items[1].pk)
    items[1].refresh_from_db()
    assert items[1].warning_confirmed_at is not None
    assert ContractReview.objects.get(order=order).customer_confirmed_at is None  # the subcontract is pending
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.actor_id, event.organisation_id) == (
        "order.confirm_warning",
        m.enterprise.member.pk,
        m.enterprise.id,
    )
    services.review_approve_subcontract(actor=m.owner_actor, order_id=order.pk, item_id=items[2].pk)
    items[2].refresh_from_db()
    assert items[2].subcontract_approved_by_id == m.owner.pk
    assert items[2].subcontract_approved_at is not None
    assert ContractReview.objects.get(order=order).customer_confirmed_at is not None
    texts = list(TimelineEvent.objects.filter(order=order).order_by("id").values_list("text_zh", flat=True))
    assert texts[1:] == [
        "客户已确认方法警告：1. 铅（GB 5009.12-2010），GB 5009.12-2010 已废止，被 GB 5009.12-2017 代替",
        "客户已批准分包：2. 镉（GB 5009.15-2014） → 广西分包检测中心",
    ]
    before = state(order)
    with pytest.raises(Conflict, match="方法警告已确认"):
        services.review_confirm_warning(actor=m.owner_actor, order_id=order.pk, item_id=items[1].pk)
    with pytest.raises(Conflict, match="没有需要确认的方法警告"):
        services.review_confirm_warning(actor=m.owner_actor, order_id=order.pk, item_id=items[2].pk)
    with pytest.raises(Conflict, match="分包已批准"):
        services.review_approve_subcontract(actor=m.owner_actor, order_id=order.pk, item_id=items[2].pk)
    with pytest.raises(Conflict, match="不是分包项目"):
        services.review_approve_subcontract(actor=m.owner_actor, order_id=order.pk, item_id=items[1].pk)
    assert state(order) == before


# --- the decision ------------------------------------------------------------------------------------------------


def test_decide_refused_until_customer_confirms_and_rule_agreed(m):
    scope(m.lab2.org, m.lead_old, accreditations=[accredit(m.lab2.org)])
    order = direct_order(m, lab=m.lab2, items=[("铅", m.lead_old), ("镉", m.cadmium)], subcontract={2: m.sub})
    items = items_of(order)
    before = state(order)
    with pytest.raises(Conflict) as exc:
        services.review_decide(actor=m.lab2.reception_actor, order_id=order.pk, accept=True)
    assert exc.value.code == "review_incomplete"
    assert exc.value.fields == {
        "items.1": [
            "1. 铅（GB 5009.12-2010）：方法警告尚未经客户确认（GB 5009.12-2010 已废止，被 GB 5009.12-2017 代替）。"
        ],
        "items.2": ["2. 镉（GB 5009.15-2014）：分包尚未经客户批准。"],
        "decision_rule_agreed": ["判定规则尚未与客户约定。"],
    }
    assert state(order) == before

    services.review_confirm_warning(actor=m.owner_actor, order_id=order.pk, item_id=items[1].pk)
    before = state(order)
    with pytest.raises(Conflict) as exc:
        services.review_decide(actor=m.lab2.reception_actor, order_id=order.pk, accept=True)
    assert set(exc.value.fields) == {"items.2", "decision_rule_agreed"}
    assert state(order) == before

    services.review_approve_subcontract(actor=m.owner_actor, order_id=order.pk, item_id=items[2].pk)
    before = state(order)
    with pytest.raises(Conflict) as exc:
        services.review_decide(actor=m.lab2.reception_actor, order_id=order.pk, accept=True)
    assert exc.value.fields == {"decision_rule_agreed": ["判定规则尚未与客户约定。"]}
    assert state(order) == before

    services.review_record(
        actor=m.lab2.quality_actor, order_id=order.pk, decision_rule_agreed=True, deviations="样品量偏少，客户同意"
    )
    order = services.review_decide(actor=m.lab2.reception_actor, order_id=order.pk, accept=True)
    assert order.status == "accepted"
    assert order.number == f"O{today().year}-00001"
    review = ContractReview.objects.get(order=order)
    assert (review.accepted, review.reviewed_by_id, review.deviations) == (
        True,
        m.lab2.reception.pk,
        "样品量偏少，客户同意",
    )
    assert review.decided_at is not None


def test_not_covered_items_cannot_be_accepted(m):
    order = direct_order(m, items=[("铅", m.lead), ("汞", m.lead)])
    services.review_record(actor=m.lab.reception_actor, order_id=order.pk, decision_rule_agreed=True, deviations="")
    before = state(order)
    with pytest.raises(Conflict) as exc:
        services.review_decide(actor=m.lab.reception_actor, order_id=order.pk, accept=True)
    assert exc.value.fields == {"items.2": ["2. 汞（GB 5009.12-2017）：本机构无此能力，不能受理（请改为分包或谢绝）。"]}
    assert state(order) == before
    # changing it to a subcontract (approved by the customer) makes it acceptable
    item = items_of(order)[2]
    services.review_set_item(
        actor=m.lab.reception_actor, order_id=order.pk, item_id=item.pk, verdict="subcontracted",
        subcontractor_id=m.sub.id,
    )  # fmt: skip
    services.review_approve_subcontract(actor=m.owner_actor, order_id=order.pk, item_id=item.pk)
    assert services.review_decide(actor=m.lab.reception_actor, order_id=order.pk, accept=True).status == "accepted"


def test_accept_numbers_notifies_and_records(m, django_capture_on_commit_callbacks, mailoutbox):
    order = direct_order(m)
    make_acceptable(m, order)
    audits = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        order = services.review_decide(actor=m.lab.admin_actor, order_id=order.pk, accept=True)
    year = today().year
    assert order.number == f"O{year}-00001"
    assert AuditEvent.objects.count() == audits + 1
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.before["status"], event.after["status"], event.after["number"]) == (
        "order.accept",
        "review",
        "accepted",
        f"O{year}-00001",
    )
    entry = TimelineEvent.objects.filter(order=order).latest("id")
    assert (entry.kind, entry.text_zh, entry.text_en, entry.actor_id) == (
        "accepted",
        f"合同评审通过，已受理，委托单号 O{year}-00001",
        f"Contract review passed; order O{year}-00001",
        m.lab.admin.pk,
    )
    notified = set(Notification.objects.filter(title__contains=f"O{year}-00001").values_list("user_id", flat=True))
    assert notified == {m.enterprise.owner.pk, m.enterprise.member.pk}
    # the second accepted order of the lab takes the next number; another lab counts on its own
    assert accepted(m, title="第二个").number == f"O{year}-00002"
    assert accepted(m, lab=m.lab2, title="乙的", items=[("铅", m.lead)]).number == f"O{year}-00001"


def test_order_number_follows_the_institutions_rule(m):
    NumberingRule.objects.create(organisation=m.lab.org, kind="order", prefix="WT", digits=4, yearly=True)
    assert accepted(m).number == f"WT{today().year}-0001"


def test_decline_needs_a_reason_and_is_final(m):
    order = direct_order(m)
    before = state(order)
    with pytest.raises(ServiceError) as exc:
        services.review_decide(actor=m.lab.reception_actor, order_id=order.pk, accept=False, reason="  ")
    assert exc.value.fields == {"reason": ["请填写原因。"]}
    assert state(order) == before
    order = services.review_decide(actor=m.lab.reception_actor, order_id=order.pk, accept=False, reason="设备检修")
    assert (order.status, order.number) == ("declined", "")
    review = ContractReview.objects.get(order=order)
    assert (review.accepted, review.decline_reason) == (False, "设备检修")
    assert TimelineEvent.objects.filter(order=order).latest("id").text_zh == "合同评审未通过：设备检修"
    assert order.need.status == "ordered"  # kept as a record; the enterprise starts over with a new need
    before = state(order)
    with pytest.raises(Conflict) as exc:
        services.review_decide(actor=m.lab.reception_actor, order_id=order.pk, accept=True)
    assert exc.value.message == "委托单当前状态为“评审未通过”，不能作出合同评审结论。"
    with pytest.raises(Conflict):
        services.review_set_item(
            actor=m.lab.reception_actor, order_id=order.pk, item_id=items_of(order)[1].pk, verdict="not_covered"
        )
    with pytest.raises(Conflict):
        services.order_cancel(actor=m.owner_actor, order_id=order.pk, reason="算了")
    assert state(order) == before


def test_decide_twice_is_refused(m):
    order = accepted(m)
    before = state(order)
    with pytest.raises(Conflict) as exc:
        services.review_decide(actor=m.lab.reception_actor, order_id=order.pk, accept=False, reason="反悔")
    assert exc.value.message == "委托单当前状态为“已受理”，不能谢绝委托。"
    with pytest.raises(Conflict, match="已受理"):
        services.review_record(
            actor=m.lab.reception_actor, order_id=order.pk, decision_rule_agreed=False, deviations=""
        )
    with pytest.raises(Conflict, match="已受理"):
        services.review_confirm_warning(actor=m.owner_actor, order_id=order.pk, item_id=items_of(order)[1].pk)
    assert state(order) == before


def test_review_record_limits(m):
    order = direct_order(m)
    before = state(order)
    with pytest.raises(ServiceError) as exc:
        services.review_record(
            actor=m.lab.reception_actor, order_id=order.pk, decision_rule_agreed=True, deviations="x" * 2001
        )
    assert exc.value.fields == {"deviations": ["偏离及说明最多 2000 个字。"]}
    assert state(order) == before


def test_accepting_a_quote_opens_the_review_end_to_end(m):
    """Through the real need and quote services (world.accepted_order): lab2 subcontracts cadmium to m.sub."""
    from .world import accepted_order

    order = accepted_order(m, lab=m.lab2)
    items = items_of(order)
    assert order.status == "review"
    assert (items[1].verdict, items[1].scope_row_id) == ("accredited", m.lab2.rows["lead"].pk)
    assert (items[2].verdict, items[2].subcontractor_id) == ("subcontracted", m.sub.id)
    assert order.due_date == services.add_working_days(today(), 3)
    assert TimelineEvent.objects.filter(order=order, kind="review_opened").get().actor_id == m.owner.pk
    make_acceptable(m, order, m.lab2)
    order = services.review_decide(actor=m.lab2.admin_actor, order_id=order.pk, accept=True)
    assert order.number == f"O{today().year}-00001"
