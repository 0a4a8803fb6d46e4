"""Sample receipt (ISO/IEC 17025 7.4): numbering, condition and deviations, tests from the contract review, the
order's move to 样品已接收, the customer's timeline and messages, and every refusal leaving the database alone."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent, Notification, NumberSequence
from tichub.core.numbering import number_next
from tichub.lims import sample_selectors, sample_services
from tichub.lims.models import CustodyEvent, LabSample, LabSettings, Test
from tichub.marketplace.choices import OrderStatus, ReviewVerdict
from tichub.marketplace.labels import label_text
from tichub.marketplace.message_services import message_post
from tichub.marketplace.models import Message, NeedItem, Order, ReviewItem, TimelineEvent
from tichub.marketplace.order_services import add_working_days

from .world import lab_world, received, sample_tests

pytestmark = pytest.mark.django_db


def state(w):
    """Everything a refused receipt must leave alone."""
    w.order.refresh_from_db()
    return (
        w.order.status,
        LabSample.objects.count(),
        Test.objects.count(),
        CustodyEvent.objects.count(),
        AuditEvent.objects.count(),
        TimelineEvent.objects.count(),
        Message.objects.count(),
        Notification.objects.count(),
        list(NumberSequence.objects.order_by("pk").values_list("kind", "last")),
    )


def receive(w, index=0, actor=None, **fields):
    defaults = {"condition": "intact", "seal_intact": True}
    return sample_services.sample_receive(
        actor=actor or w.reception_actor, announcement_id=w.announcements[index].pk, **{**defaults, **fields}
    )


def year():
    return timezone.localdate().year


# --- receiving ----------------------------------------------------------------------------------------------------


def test_receipt_numbers_the_sample_creates_its_tests_and_moves_the_order():
    w = lab_world()
    today = timezone.localdate()
    events_before = TimelineEvent.objects.filter(order=w.order).count()
    sample = receive(w, temperature=" 4.5 ", storage_location="样品室  A-01", internal_note="放在冷藏柜上层")
    sample.refresh_from_db()
    announcement = w.announcements[0]
    assert (sample.number, sample.description, sample.quantity, sample.condition, sample.seal_intact) == (
        f"S{year()}-00001",
        "一级白砂糖，袋装",
        "2 袋 × 1 kg",  # the announced quantity when none is given
        "intact",
        True,
    )
    assert (sample.temperature, sample.storage_location, sample.retention_until, sample.status) == (
        "4.5",
        "样品室 A-01",
        today + dt.timedelta(days=90),
        "received",
    )
    assert (sample.institution_id, sample.enterprise_id, sample.order_id, sample.announcement_id) == (
        w.institution.pk,
        w.enterprise.pk,
        w.order.pk,
        announcement.pk,
    )
    assert (sample.received_by_id, sample.custodian_id, sample.customer_consulted_at, sample.disclaimer) == (
        w.reception.pk,
        w.reception.pk,
        None,
        "",
    )
    tests = sample_tests(sample)
    assert sorted(tests) == ["cd", "pb"]
    assert {key: (t.unit, t.lod, t.due_date, t.status, t.method_id) for key, t in tests.items()} == {
        "pb": ("mg/kg", "0.005", w.order.due_date, "pending", w.methods["pb"].pk),
        "cd": ("mg/kg", "0.001", w.order.due_date, "pending", w.methods["cd"].pk),
    }
    assert tests["cd"].uncertainty_ranges == [] and tests["pb"].decision_rule == "non_binary"
    [link] = CustodyEvent.objects.filter(sample=sample)
    assert (link.kind, link.by_id, link.to_person_id, link.from_location, link.to_location, link.note) == (
        "receive",
        w.reception.pk,
        w.reception.pk,
        "",
        "样品室 A-01",
        announcement.reference,
    )
    w.order.refresh_from_db()
    assert w.order.status == OrderStatus.RECEIVED
    entries = list(TimelineEvent.objects.filter(order=w.order).order_by("pk"))[events_before:]
    assert [(e.kind, e.text_zh, e.text_en, e.actor_id) for e in entries] == [
        (
            "sample_received",
            f"实验室已接收样品 {announcement.reference}，样品编号 S{year()}-00001，样品状态：完好",
            f"Sample {announcement.reference} received by the laboratory as S{year()}-00001; condition: intact",
            w.reception.pk,
        ),
        ("received", "实验室已接收样品", "Samples received by the laboratory", w.reception.pk),
    ]
    assert not TimelineEvent.objects.filter(text_zh__contains="冷藏柜").exists()
    audit = AuditEvent.objects.get(action="sample.receive")
    assert (audit.object_id, audit.organisation_id, audit.actor_id) == (
        str(sample.pk),
        w.institution.pk,
        w.reception.pk,
    )
    assert (audit.after["number"], audit.after["reference"], audit.after["tests"], audit.after["internal_note"]) == (
        f"S{year()}-00001",
        announcement.reference,
        ["pb", "cd"],
        "放在冷藏柜上层",
    )
    assert AuditEvent.objects.filter(action="order.received", object_id=str(w.order.pk)).count() == 1
    assert not Message.objects.filter(order=w.order).exists()


def test_second_receipt_keeps_the_order_received_and_takes_the_next_number():
    w = lab_world()
    receive(w, 0)
    second = receive(w, 1, quantity="480 g")
    assert (second.number, second.quantity) == (f"S{year()}-00002", "480 g")
    w.order.refresh_from_db()
    assert w.order.status == OrderStatus.RECEIVED
    assert AuditEvent.objects.filter(action="order.received").count() == 1
    kinds = list(TimelineEvent.objects.filter(order=w.order).order_by("pk").values_list("kind", flat=True))
    assert kinds[-3:] == ["sample_received", "received", "sample_received"]


def test_receipt_into_an_order_in_progress_is_allowed_and_leaves_its_state():
    w = lab_world()
    received(w, 0, number="EARLIER-1")
    Order.objects.filter(pk=w.order.pk).update(status=OrderStatus.IN_PROGRESS)
    sample = receive(w, 1)
    w.order.refresh_from_db()
    assert (w.order.status, sample.number, len(sample_tests(sample))) == (
        OrderStatus.IN_PROGRESS,
        f"S{year()}-00001",
        2,
    )
    assert not AuditEvent.objects.filter(action="order.received").exists()


def test_retention_comes_from_the_lab_settings_and_due_date_from_the_turnaround():
    w = lab_world()
    LabSettings.objects.create(institution=w.institution, retention_days=30)
    Order.objects.filter(pk=w.order.pk).update(due_date=None)
    sample = receive(w)
    today = timezone.localdate()
    assert sample.retention_until == today + dt.timedelta(days=30)
    assert {t.due_date for t in sample_tests(sample).values()} == {add_working_days(today, 5)}  # quote: 5 days


def test_items_without_a_laboratory_method_still_become_tests_and_not_covered_items_do_not():
    w = lab_world()
    w.methods["cd"].active = False
    w.methods["cd"].save()
    review = w.order.review
    extra = NeedItem.objects.create(
        need_id=w.order.need_id, position=3, parameter="砷", standard=w.m.lead, unit="mg/kg"
    )
    ReviewItem.objects.create(review=review, item=extra, verdict=ReviewVerdict.NOT_COVERED)
    tests = sample_tests(receive(w))
    assert {key: (t.method_id, t.unit, t.lod) for key, t in tests.items()} == {
        "pb": (w.methods["pb"].pk, "mg/kg", "0.005"),
        "item2": (
            None,
            "mg/kg",
            "",
        ),  # no active method: the item's unit, no LOD (the method list shows what to set up)
    }


# --- deviations ---------------------------------------------------------------------------------------------------


def test_deviation_raised_with_the_customer_posts_a_message_on_the_order():
    w = lab_world()
    sample = receive(
        w,
        condition="damaged",
        condition_note="外袋破裂约 2 cm",
        seal_intact=False,
        temperature="25",
        deviation="部分样品散落",
        consult_customer=True,
        disclaimer="样品包装破损，结果仅对收到的样品负责。",
        internal_note="内部：拍照存档 IMG_0042",
    )
    reference, number = w.announcements[0].reference, sample.number
    assert sample.customer_consulted_at is not None
    assert (sample.condition, sample.deviation, sample.disclaimer) == (
        "damaged",
        "部分样品散落",
        "样品包装破损，结果仅对收到的样品负责。",
    )
    [message] = Message.objects.filter(order=w.order)
    assert (message.sender_id, message.sender_organisation_id) == (w.reception.pk, w.institution.pk)
    assert message.body == (
        "样品接收偏离，请确认（ISO/IEC 17025 7.4.3）\n"
        f"样品 {reference}（实验室样品编号 {number}）接收时发现以下偏离：\n"
        "- 样品状态：包装破损：外袋破裂约 2 cm\n"
        "- 封识：已破损\n"
        "- 接收温度：25 °C\n"
        "- 偏离情况：部分样品散落\n"
        "请回复是否继续检测。如继续检测，报告将注明：样品包装破损，结果仅对收到的样品负责。\n\n"
        "Deviation found at sample receipt: please confirm (ISO/IEC 17025 7.4.3)\n"
        f"Sample {reference} (laboratory number {number}) was received with these deviations:\n"
        "- Condition: packaging damaged: 外袋破裂约 2 cm\n"
        "- Seal: broken\n"
        "- Temperature at receipt: 25 °C\n"
        "- Deviation: 部分样品散落\n"
        "Please reply whether testing should proceed. If testing proceeds, the report will state: "
        "样品包装破损，结果仅对收到的样品负责。"
    )
    entry = TimelineEvent.objects.get(order=w.order, kind="sample_received")
    assert entry.text_zh == (
        f"实验室已接收样品 {reference}，样品编号 {number}，样品状态：包装破损，封识破损（偏离已在留言中征询客户）"
    )
    assert entry.text_en == (
        f"Sample {reference} received by the laboratory as {number}; condition: packaging damaged, seal broken "
        "(deviation raised with the customer in the messages)"
    )
    assert not Message.objects.filter(body__contains="IMG_0042").exists()
    assert not TimelineEvent.objects.filter(text_zh__contains="IMG_0042").exists()


def test_deviation_accepted_with_a_disclaimer_needs_no_message():
    w = lab_world()
    sample = receive(w, condition="insufficient", disclaimer="样品量不足，未做平行测定。")
    assert (sample.disclaimer, sample.customer_consulted_at) == ("样品量不足，未做平行测定。", None)
    assert not Message.objects.exists()


def test_deviation_with_neither_consultation_nor_disclaimer_is_refused():
    w = lab_world()
    before = state(w)
    for fields in (
        {"condition": "leaking"},
        {"seal_intact": False},
        {"deviation": "运输途中未冷藏"},
    ):
        with pytest.raises(ServiceError) as caught:
            receive(w, **fields)
        assert caught.value.fields == {
            "disclaimer": [
                "样品存在偏离（状态异常、封识破损或填写了偏离情况）：请勾选征询客户，或填写继续检测时写入报告的声明。"
            ]
        }
    assert state(w) == before


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"condition": "broken"},
            {"condition": ["样品状态须为以下之一：intact（完好）、damaged（包装破损）、leaking（泄漏）、"
                           "insufficient（数量不足）、temperature（温度不符合要求）、other（其他异常）。"]},
        ),
        ({"temperature": "abc"}, {"temperature": ["接收温度须为以 °C 计的数值，如 4.5 或 -18（现为“abc”）。"]}),
        ({"temperature": "4,5"}, {"temperature": ["接收温度须为以 °C 计的数值，如 4.5 或 -18（现为“4,5”）。"]}),
        ({"temperature": "-250"}, {"temperature": ["接收温度须在 -200 °C 至 100 °C 之间（现为 -250 °C）。"]}),
        ({"temperature": "1234567890123"}, {"temperature": ["接收温度 最多 12 个字符（现为 13 个）。"]}),
        ({"temperature": 4.5}, {"temperature": ["接收温度 须为文本。"]}),
        ({"seal_intact": "yes"}, {"seal_intact": ["封识 须为是或否。"]}),
        ({"quantity": "x" * 61}, {"quantity": ["数量 最多 60 个字符（现为 61 个）。"]}),
        ({"storage_location": "y" * 121}, {"storage_location": ["存放位置 最多 120 个字符（现为 121 个）。"]}),
        (
            {"condition": "other", "disclaimer": "见说明"},
            {"condition_note": ["样品状态为“其他异常”时，请在状态说明中写明异常情况。"]},
        ),
        (
            {"consult_customer": True},
            {"consult_customer": ["没有记录偏离，无需征询客户：请先记录样品状态、封识或偏离情况。"]},
        ),
        ({"disclaimer": "结果仅供参考"},
         {"disclaimer": ["没有记录偏离，报告无需声明：请先记录样品状态、封识或偏离情况。"]}),
    ],
)  # fmt: skip
def test_bad_fields_are_refused_by_name_and_change_nothing(fields, errors):
    w = lab_world(samples=1)
    before = state(w)
    with pytest.raises(ServiceError) as caught:
        receive(w, **fields)
    assert caught.value.fields == errors
    assert caught.value.status == 400
    assert state(w) == before


# --- refusals -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "label"),
    [(OrderStatus.CANCELLED, "已取消"), (OrderStatus.DECLINED, "评审未通过"), (OrderStatus.COMPLETED, "已完成")],
)
def test_orders_where_samples_cannot_arrive_refuse_receipt_naming_the_state(status, label):
    w = lab_world(samples=1)
    Order.objects.filter(pk=w.order.pk).update(status=status)
    before = state(w)
    with pytest.raises(Conflict) as caught:
        receive(w)
    assert caught.value.code == "order_state"
    assert caught.value.message == f"委托单 {w.order.number} 当前状态为“{label}”，不能接收样品。"
    assert state(w) == before


def test_an_announcement_is_received_once():
    w = lab_world(samples=1)
    first = receive(w)
    before = state(w)
    with pytest.raises(Conflict) as caught:
        receive(w, condition="damaged", disclaimer="x")  # the state is judged before the fields
    assert (caught.value.code, caught.value.message) == (
        "already_received",
        f"样品 {w.announcements[0].reference} 已接收，实验室样品编号 {first.number}。",
    )
    assert state(w) == before


def test_another_institution_and_roles_without_the_right_cannot_receive():
    w = lab_world(samples=1)
    before = state(w)
    with pytest.raises(NotFound):
        receive(w, actor=w.m.lab2.reception_actor)
    for actor in (w.analyst_actor, w.signatory_actor, w.owner_actor):
        with pytest.raises(PermissionDenied):
            receive(w, actor=actor)
    with pytest.raises(NotFound):
        sample_services.sample_receive(
            actor=w.reception_actor, announcement_id=w.announcements[0].pk + 999, condition="intact", seal_intact=None
        )
    assert state(w) == before


# --- queries ------------------------------------------------------------------------------------------------------


def _add_items(w, total):
    """More admitted items on the order, up to `total` (half of them matching the lead method)."""
    for position in range(3, total + 1):
        parameter = "铅" if position % 2 else f"项目{position}"
        item = NeedItem.objects.create(
            need_id=w.order.need_id, position=position, parameter=parameter, standard=w.m.lead, unit="mg/kg"
        )
        ReviewItem.objects.create(review=w.order.review, item=item, verdict=ReviewVerdict.NOT_ACCREDITED)


def test_receipt_takes_the_same_number_of_queries_for_2_and_40_tests():
    w = lab_world()
    # Both receipts on the same footing: the order received and its number sequence and thread started already.
    Order.objects.filter(pk=w.order.pk).update(status=OrderStatus.RECEIVED)
    number_next(organisation_id=w.institution.pk, kind="sample")
    message_post(actor=w.reception_actor, order_id=w.order.pk, body="样品已到，正在登记。")
    counts = {}
    for index, total in enumerate((2, 40)):
        _add_items(w, total)
        with CaptureQueriesContext(connection) as captured:
            sample = receive(w, index, condition="damaged", consult_customer=True)
        assert Test.objects.filter(sample=sample).count() == total
        counts[total] = len(captured)
    assert counts[2] == counts[40]


# --- finding what to receive --------------------------------------------------------------------------------------


def test_lookup_by_label_says_what_will_be_tested_and_whether_received():
    w = lab_world()
    announcement = w.announcements[1]
    text = label_text(announcement.reference, w.order.number)
    found = sample_selectors.receipt_lookup(actor=w.analyst_actor, scanned_text=text)
    assert (found.announcement.pk, found.order.pk, found.received, found.receivable) == (
        announcement.pk,
        w.order.pk,
        False,
        True,
    )
    assert [(ri.item.position, ri.item.parameter, ri.item.standard.canonical) for ri in found.items] == [
        (1, "铅", "GB 5009.12-2017"),
        (2, "镉", "GB 5009.15-2014"),
    ]
    sample = receive(w, 1)
    again = sample_selectors.receipt_lookup(actor=w.reception_actor, scanned_text=announcement.reference.lower())
    assert (again.received, again.receivable, again.lab_sample.pk) == (True, False, sample.pk)
    with pytest.raises(NotFound):
        sample_selectors.receipt_lookup(actor=w.outsider_lab_actor, scanned_text=text)
    with pytest.raises(NotFound):
        sample_selectors.receipt_candidate(w.outsider_lab_actor, announcement.pk)


def test_awaiting_receipt_lists_announced_samples_not_received_yet():
    w = lab_world()
    references = [a.reference for a in w.announcements]
    listed = sample_selectors.awaiting_receipt(w.reception_actor)
    assert [a.reference for a in listed] == references
    receive(w, 0)
    assert [a.reference for a in sample_selectors.awaiting_receipt(w.reception_actor)] == references[1:]
    assert list(sample_selectors.awaiting_receipt(w.outsider_lab_actor)) == []
    Order.objects.filter(pk=w.order.pk).update(status=OrderStatus.CANCELLED)
    assert list(sample_selectors.awaiting_receipt(w.reception_actor)) == []
