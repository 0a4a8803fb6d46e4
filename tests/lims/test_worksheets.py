"""Worksheets: building them (tests, QC slots, instrument), QC values and their verdicts, reading them."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent
from tichub.lims import choices, models, worksheet_selectors, worksheet_services
from tichub.lims.choices import WorksheetStatus
from tichub.lims.models import Test, Worksheet, WorksheetSlot
from tichub.metrology.choices import InstrumentStatus
from tichub.metrology.models import Instrument

from .worksheet_world import by_position, create, more_tests, qc_worksheet, slots_of, state, worksheet_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return worksheet_world()


# --- creating -----------------------------------------------------------------------------------------------------


def test_create_numbers_orders_slots_and_audits(w):
    pb1, pb2 = w.t1["pb"], w.t2["pb"]
    qc = [
        {"kind": "blank"},
        {"kind": "duplicate", "duplicate_of_test_id": pb1.pk, "tolerance": "10%"},
        {"kind": "reference", "expected": "0.500", "tolerance": "0.025", "position": 1},
    ]
    worksheet = create(w, [pb2, pb1], qc=qc)
    year = timezone.localdate().year
    assert (worksheet.number, worksheet.status, worksheet.analyst_id, worksheet.created_by_id) == (
        f"W{year}-00001",
        WorksheetStatus.OPEN,
        w.analyst.pk,
        w.analyst.pk,
    )
    assert (worksheet.method_id, worksheet.instrument_id, worksheet.institution_id) == (
        w.methods["pb"].pk,
        w.icp.pk,
        w.institution.pk,
    )
    assert slots_of(worksheet) == [
        (1, "reference", None, None, "0.500", "0.025"),
        (2, "sample", pb2.pk, None, "", ""),
        (3, "sample", pb1.pk, None, "", ""),
        (4, "blank", None, None, "", ""),
        (5, "duplicate", None, pb1.pk, "", "10%"),
    ]
    [event] = AuditEvent.objects.filter(action="worksheet.create")
    assert (event.object_id, event.actor_id, event.organisation_id) == (
        str(worksheet.pk),
        w.analyst.pk,
        w.institution.pk,
    )
    assert event.after["number"] == f"W{year}-00001"
    assert [(s["position"], s["kind"], s["test"]) for s in event.after["slots"]] == [
        (1, "reference", None),
        (2, "sample", pb2.pk),
        (3, "sample", pb1.pk),
        (4, "blank", None),
        (5, "duplicate", None),
    ]
    second = create(w, [w.t1["cd"]], method_id=None, instrument_id=None)
    assert (second.number, second.method_id, second.instrument_id) == (f"W{year}-00002", None, None)


def test_create_refuses_unusable_instrument_with_its_reason(w):
    before = state()
    with pytest.raises(ServiceError) as caught:
        create(w, [w.t1["pb"]], instrument_id=w.balance_overdue.pk)
    due = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    today = timezone.localdate().isoformat()
    assert caught.value.fields == {"instrument_id": [f"仪器 BAL-02 电子天平 的校准已于 {due} 到期，{today} 不能使用。"]}
    w.icp.status = InstrumentStatus.OUT_OF_SERVICE
    w.icp.save()
    with pytest.raises(ServiceError) as caught:
        create(w, [w.t1["pb"]])
    assert list(caught.value.fields) == ["instrument_id"]
    assert state() == before


def test_create_refuses_tests_that_cannot_go_on_a_worksheet(w):
    pb1, cd1, pb2, cd2 = w.t1["pb"], w.t1["cd"], w.t2["pb"], w.t2["cd"]
    create(w, [pb2])
    Test.objects.filter(pk=cd2.pk).update(status=choices.TestStatus.SUBMITTED, value="0.01")
    Test.objects.filter(pk=pb1.pk).update(formula="a + b")
    before = state()
    with pytest.raises(ServiceError) as caught:
        create(w, [pb1, cd1, pb2, cd2, cd1])
    assert caught.value.fields == {
        "test_ids.4": [f"检测项目 #{cd1.pk} 重复。"],
    }
    with pytest.raises(ServiceError) as caught:
        create(w, [pb1, cd1, pb2, cd2])
    n1, n2 = w.s1.number, w.s2.number
    year = timezone.localdate().year
    assert caught.value.fields == {
        "test_ids.0": [f"{n1} 铅 是计算项目（由公式得出），不上工作单：录入其输入项目的结果后自动计算。"],
        "test_ids.1": [f"{n1} 镉 不是按本工作单的方法（pb: 铅）检测的。"],
        "test_ids.2": [f"{n2} 铅 已在工作单 W{year}-00001 上。"],
        "test_ids.3": [
            f"{n2} 镉 当前状态为“待审核”，不能上工作单：只有待检、已录入或已退回的项目可以。",
            f"{n2} 镉 不是按本工作单的方法（pb: 铅）检测的。",
        ],
    }
    assert state() == before


@pytest.mark.parametrize(
    ("test_ids", "fields"),
    [
        ([], {"test_ids": ["请至少选择一个检测项目。"]}),
        ("12", {"test_ids": ["test_ids 须为 id 的列表。"]}),
        ([0, "x"], {"test_ids.0": ["“0”不是有效的 id。"], "test_ids.1": ["“x”不是有效的 id。"]}),
    ],
)
def test_create_refuses_bad_test_ids(w, test_ids, fields):
    before = state()
    with pytest.raises(ServiceError) as caught:
        worksheet_services.worksheet_create(actor=w.analyst_actor, test_ids=test_ids)
    assert caught.value.fields == fields
    assert state() == before


def test_create_refuses_bad_qc_rows(w):
    pb1, pb2 = w.t1["pb"], w.t2["pb"]
    before = state()
    qc = [
        {"kind": "blank", "tolerance": "0.1"},
        {"kind": "duplicate", "duplicate_of_test_id": w.t1["cd"].pk, "tolerance": "10%"},
        {"kind": "reference", "expected": "", "tolerance": "5%", "position": 10},
        {"kind": "spike", "colour": "red"},
        {"kind": "blank", "expected": "0.01", "duplicate_of_test_id": pb1.pk, "position": 2},
        {"kind": "reference", "expected": "0.5", "tolerance": "0.02", "position": 2},
        "blank",
    ]
    with pytest.raises(ServiceError) as caught:
        create(w, [pb1, pb2], qc=qc)
    assert caught.value.fields == {
        "qc.0.tolerance": ["空白按限值判定，不需要允许差：请清空允许差。"],
        "qc.1.duplicate_of_test_id": ["平行样须对应本工作单上的一个检测项目（duplicate_of_test_id）。"],
        "qc.2.expected": ["请填写标准值。"],
        "qc.2.position": ["位置须为 1 至 9 的整数。"],
        "qc.3": ["未知字段：colour。"],
        "qc.3.kind": ["未知的质控类型 “spike”：应为 blank（空白）、duplicate（平行样）或 reference（标准物质）。"],
        "qc.4.duplicate_of_test_id": ["只有平行样需要对应的检测项目。"],
        "qc.5.position": ["位置 2 已被另一个质控位置占用。"],
        "qc.6": ["每个质控位置须包含类型（kind）、标准值/限值和允许差。"],
    }
    assert state() == before


def test_blank_without_method_lod_needs_a_limit(w):
    models.TestMethod.objects.filter(pk=w.methods["pb"].pk).update(lod="")
    before = state()
    with pytest.raises(ServiceError) as caught:
        create(w, [w.t1["pb"]], qc=[{"kind": "blank"}])
    assert caught.value.fields == {"qc.0.expected": ["空白无从判定：方法没有检出限，请为空白填写限值。"]}
    assert state() == before
    worksheet = create(w, [w.t1["pb"]], qc=[{"kind": "blank", "expected": "0.002"}])
    assert slots_of(worksheet)[1] == (2, "blank", None, None, "0.002", "")


def test_create_cross_tenant_and_permission(w):
    other = w.m.lab2.org
    foreign_method = models.TestMethod.objects.create(
        institution=other, keyword="pb", parameter="铅", parameter_key="pb", standard=w.m.lead, unit="mg/kg"
    )
    foreign_instrument = Instrument.objects.create(institution=other, asset_number="X-1", name="别人的仪器")
    before = state()
    with pytest.raises(NotFound) as caught:
        worksheet_services.worksheet_create(actor=w.m.lab2.analyst_actor, test_ids=[w.t1["pb"].pk])
    assert caught.value.message == f"检测项目不存在，或不属于本机构：{w.t1['pb'].pk}。"
    with pytest.raises(NotFound):
        create(w, [w.t1["pb"]], method_id=foreign_method.pk)
    with pytest.raises(NotFound):
        create(w, [w.t1["pb"]], instrument_id=foreign_instrument.pk)
    with pytest.raises(PermissionDenied):
        worksheet_services.worksheet_create(actor=w.reviewer_actor, test_ids=[w.t1["pb"].pk])
    assert state() == before


# --- adding and removing ------------------------------------------------------------------------------------------


def test_add_tests_and_qc_after_the_last_position(w):
    worksheet = create(w, [w.t1["pb"]], qc=[{"kind": "blank"}])
    added = worksheet_services.worksheet_add_tests(
        actor=w.analyst_actor,
        worksheet_id=worksheet.pk,
        test_ids=[w.t2["pb"].pk],
        qc=[{"kind": "duplicate", "duplicate_of_test_id": w.t1["pb"].pk, "tolerance": "0.02"}],
    )
    assert [(s.position, s.kind) for s in added] == [(3, "sample"), (4, "duplicate")]
    assert slots_of(worksheet) == [
        (1, "sample", w.t1["pb"].pk, None, "", ""),
        (2, "blank", None, None, "", ""),
        (3, "sample", w.t2["pb"].pk, None, "", ""),
        (4, "duplicate", None, w.t1["pb"].pk, "", "0.02"),
    ]
    assert AuditEvent.objects.filter(action="worksheet.add", object_id=str(worksheet.pk)).count() == 1
    before = state()
    with pytest.raises(ServiceError) as caught:
        worksheet_services.worksheet_add_tests(
            actor=w.analyst_actor, worksheet_id=worksheet.pk, test_ids=[w.t1["cd"].pk]
        )
    assert caught.value.fields == {"test_ids.0": [f"{w.s1.number} 镉 不是按本工作单的方法（pb: 铅）检测的。"]}
    with pytest.raises(NotFound):
        worksheet_services.worksheet_add_tests(actor=w.m.lab2.analyst_actor, worksheet_id=worksheet.pk, test_ids=[])
    assert state() == before


def test_remove_slot_renumbers_and_keeps_duplicate_partners(w):
    pb1, pb2 = w.t1["pb"], w.t2["pb"]
    worksheet = create(
        w, [pb1, pb2], qc=[{"kind": "blank"}, {"kind": "duplicate", "duplicate_of_test_id": pb1.pk, "tolerance": "5%"}]
    )
    slot = {s.position: s for s in WorksheetSlot.objects.filter(worksheet=worksheet)}
    before = state()
    with pytest.raises(Conflict) as caught:
        worksheet_services.worksheet_remove_slot(actor=w.analyst_actor, worksheet_id=worksheet.pk, slot_id=slot[1].pk)
    assert caught.value.message == "位置 4 的平行样对应本位置的检测项目：请先删除该平行样。"
    with pytest.raises(NotFound):
        worksheet_services.worksheet_remove_slot(
            actor=w.m.lab2.analyst_actor, worksheet_id=worksheet.pk, slot_id=slot[2].pk
        )
    assert state() == before
    worksheet_services.worksheet_remove_slot(actor=w.analyst_actor, worksheet_id=worksheet.pk, slot_id=slot[2].pk)
    assert slots_of(worksheet) == [
        (1, "sample", pb1.pk, None, "", ""),
        (2, "blank", None, None, "", ""),
        (3, "duplicate", None, pb1.pk, "", "5%"),
    ]
    [event] = AuditEvent.objects.filter(action="worksheet.remove")
    assert event.before["slot"]["test_label"] == f"{w.s2.number} 铅"
    # pb2 is free again for another worksheet.
    assert create(w, [pb2]).slots.get().test_id == pb2.pk


# --- QC values ----------------------------------------------------------------------------------------------------


def test_record_qc_judges_and_audits(w):
    worksheet, slots = qc_worksheet(w)
    Test.objects.filter(pk=w.t1["pb"].pk).update(raw_value="0.480", value="0.480", status=choices.TestStatus.ENTERED)
    recorded = worksheet_services.worksheet_record_qc(
        actor=w.analyst_actor,
        worksheet_id=worksheet.pk,
        values={slots["blank"].pk: "0.012", str(slots["duplicate"].pk): " 0.470 ", slots["reference"].pk: "0.512"},
    )
    assert [(s.position, s.qc_value, s.qc_passed) for s in recorded] == [
        (3, "0.012", False),
        (4, "0.470", True),
        (5, "0.512", True),
    ]
    events = AuditEvent.objects.filter(action="worksheet.qc").order_by("pk")
    empty = {"qc_value": "", "qc_passed": None}
    assert [(e.object_id, e.before, e.after) for e in events] == [
        (
            str(slots["blank"].pk),
            empty,
            {"qc_value": "0.012", "qc_passed": False, "explanation": "空白 0.012 ≥ 检出限 0.005：不合格"},
        ),
        (
            str(slots["duplicate"].pk),
            empty,
            {
                "qc_value": "0.470",
                "qc_passed": True,
                "explanation": "平行样 0.470，原样 0.480，差 0.010 ≤ 允许差 0.0475（均值 0.475 的 10%）：合格",
            },
        ),
        (
            str(slots["reference"].pk),
            empty,
            {
                "qc_value": "0.512",
                "qc_passed": True,
                "explanation": "标准物质 0.512，标准值 0.500，偏差 0.012 ≤ 允许差 0.025（标准值的 5%）：合格",
            },
        ),
    ]
    # Same values again: nothing changes, nothing audited; "" clears.
    worksheet_services.worksheet_record_qc(
        actor=w.analyst_actor, worksheet_id=worksheet.pk, values={slots["blank"].pk: "0.012"}
    )
    assert events.count() == 3
    worksheet_services.worksheet_record_qc(
        actor=w.analyst_actor, worksheet_id=worksheet.pk, values={slots["blank"].pk: ""}
    )
    slots["blank"].refresh_from_db()
    assert (slots["blank"].qc_value, slots["blank"].qc_passed) == ("", None)


def test_record_qc_refusals_change_nothing(w):
    worksheet, slots = qc_worksheet(w)
    sample_slot = WorksheetSlot.objects.get(worksheet=worksheet, position=1)
    other = create(w, [w.t1["cd"]], method_id=None)
    foreign_slot = other.slots.get()
    before = state()
    with pytest.raises(ServiceError) as caught:
        worksheet_services.worksheet_record_qc(
            actor=w.analyst_actor,
            worksheet_id=worksheet.pk,
            values={
                slots["blank"].pk: "0,01",
                slots["duplicate"].pk: "0.47",
                slots["reference"].pk: 0.5,
                sample_slot.pk: "0.4",
                foreign_slot.pk: "1",
                "x": "1",
            },
        )
    assert caught.value.fields == {
        "values.x": ["“x”不是有效的位置 id。"],
    }
    with pytest.raises(ServiceError) as caught:
        worksheet_services.worksheet_record_qc(
            actor=w.analyst_actor,
            worksheet_id=worksheet.pk,
            values={
                slots["blank"].pk: "0,01",
                slots["duplicate"].pk: "0.47",
                slots["reference"].pk: 0.5,
                sample_slot.pk: "0.4",
                foreign_slot.pk: "1",
            },
        )
    assert caught.value.fields == {
        f"values.{slots['blank'].pk}": [
            "位置 3：空白结果 “0,01” 不是数值：请输入数字，可带正负号、小数点和指数（如 0.012、1.2E-3）。"
        ],
        f"values.{slots['duplicate'].pk}": ["位置 4：平行样对应的检测项目尚无结果：请先录入该项目的结果。"],
        f"values.{slots['reference'].pk}": ["质控结果须为文本。"],
        f"values.{sample_slot.pk}": ["位置 1 是样品：其结果作为检测结果录入，不是质控结果。"],
        f"values.{foreign_slot.pk}": [f"工作单 {worksheet.number} 上没有位置 #{foreign_slot.pk}。"],
    }
    with pytest.raises(ServiceError) as caught:
        worksheet_services.worksheet_record_qc(actor=w.analyst_actor, worksheet_id=worksheet.pk, values={})
    assert caught.value.fields == {"values": ["请至少填写一个质控结果。"]}
    with pytest.raises(NotFound):
        worksheet_services.worksheet_record_qc(
            actor=w.m.lab2.analyst_actor, worksheet_id=worksheet.pk, values={slots["blank"].pk: "0.001"}
        )
    Worksheet.objects.filter(pk=worksheet.pk).update(status=WorksheetStatus.SUBMITTED)
    with pytest.raises(Conflict) as caught:
        worksheet_services.worksheet_record_qc(
            actor=w.analyst_actor, worksheet_id=worksheet.pk, values={slots["blank"].pk: "0.001"}
        )
    assert caught.value.message == (
        f"工作单 {worksheet.number} 已提交，不能再修改：结果的更正请在检测项目上进行（须说明理由）。"
    )
    Worksheet.objects.filter(pk=worksheet.pk).update(status=WorksheetStatus.OPEN)
    assert state() == before


# --- reading ------------------------------------------------------------------------------------------------------


def test_detail_rows_and_live_verdicts(w):
    worksheet, slots = qc_worksheet(w)
    Test.objects.filter(pk=w.t1["pb"].pk).update(raw_value="0.480", value="0.480", status=choices.TestStatus.ENTERED)
    worksheet_services.worksheet_record_qc(
        actor=w.analyst_actor,
        worksheet_id=worksheet.pk,
        values={slots["blank"].pk: "0.003", slots["duplicate"].pk: "0.470"},
    )
    # The sample result corrected elsewhere: the duplicate's verdict follows the current value.
    Test.objects.filter(pk=w.t1["pb"].pk).update(raw_value="0.600", value="0.600")
    detail = worksheet_selectors.worksheet_detail(w.quality_actor, worksheet.pk)
    assert [
        (r.slot.position, r.slot.kind, r.sample_number, r.parameter, r.unit, r.value, r.explanation)
        for r in detail.rows
    ] == [
        (1, "sample", w.s1.number, "铅", "mg/kg", "0.600", ""),
        (2, "sample", w.s2.number, "铅", "mg/kg", "", ""),
        (3, "blank", "", "铅", "mg/kg", "0.003", "空白 0.003 < 检出限 0.005：合格"),
        (4, "duplicate", w.s1.number, "铅", "mg/kg", "0.470",
         "平行样 0.470，原样 0.600，差 0.130 > 允许差 0.0535（均值 0.535 的 10%）：不合格"),
        (5, "reference", "", "铅", "mg/kg", "", ""),
    ]  # fmt: skip
    assert (detail.entered, detail.qc_failed, detail.qc_open) == (1, 1, 1)
    with pytest.raises(NotFound):
        worksheet_selectors.worksheet_detail(w.m.lab2.analyst_actor, worksheet.pk)


def test_detail_queries_do_not_grow_with_slots(w):
    small = create(w, more_tests(w, 5), qc=[{"kind": "blank"}])
    big = create(w, more_tests(w, 50), qc=[{"kind": "blank"}])
    counts = []
    for worksheet in (small, big):
        with CaptureQueriesContext(connection) as captured:
            detail = worksheet_selectors.worksheet_detail(w.analyst_actor, worksheet.pk)
            [(row.sample_number, row.explanation, row.unit) for row in detail.rows]
        counts.append(len(captured.captured_queries))
    assert counts == [2, 2]


def test_list_filters_and_counts(w):
    mine = create(w, [w.t1["pb"], w.t2["pb"]], qc=[{"kind": "blank"}])
    Test.objects.filter(pk=w.t1["pb"].pk).update(raw_value="0.1", value="0.1", status=choices.TestStatus.ENTERED)
    theirs = worksheet_services.worksheet_create(actor=w.analyst2_actor, test_ids=[w.t1["cd"].pk])
    Worksheet.objects.filter(pk=theirs.pk).update(status=WorksheetStatus.SUBMITTED)
    rows = worksheet_selectors.worksheet_list(w.analyst_actor)
    assert [(ws.number, ws.sample_count, ws.qc_count, ws.entered_count) for ws in rows] == [
        (theirs.number, 1, 0, 0),
        (mine.number, 2, 1, 1),
    ]
    assert [ws.pk for ws in worksheet_selectors.worksheet_list(w.analyst_actor, mine=True)] == [mine.pk]
    assert [ws.pk for ws in worksheet_selectors.worksheet_list(w.analyst_actor, status="submitted")] == [theirs.pk]
    assert list(worksheet_selectors.worksheet_list(w.m.lab2.analyst_actor)) == []
    with pytest.raises(ServiceError) as caught:
        worksheet_selectors.worksheet_list(w.analyst_actor, status="closed")
    assert caught.value.fields == {"status": ["未知的工作单状态“closed”：可选 open、submitted。"]}


def test_tests_available(w):
    create(w, [w.t1["pb"]])
    Test.objects.filter(pk=w.t2["cd"].pk).update(status=choices.TestStatus.SUBMITTED, value="0.01")
    assert [t.pk for t in worksheet_selectors.tests_available(w.analyst_actor)] == [w.t1["cd"].pk, w.t2["pb"].pk]
    assert [t.pk for t in worksheet_selectors.tests_available(w.analyst_actor, w.methods["pb"].pk)] == [w.t2["pb"].pk]
    assert list(worksheet_selectors.tests_available(w.m.lab2.analyst_actor)) == []


# --- results through the worksheet ----------------------------------------------------------------------------------


def enter(w, worksheet, rows, **kwargs):
    entries = [worksheet_services.SlotResult(slot_id=slot.pk, value=value) for slot, value in rows]
    return worksheet_services.worksheet_enter(
        actor=w.analyst_actor, worksheet_id=worksheet.pk, entries=entries, **kwargs
    )


def test_enter_records_results_with_the_worksheet_instrument_and_day(w):
    worksheet, qc_slots = qc_worksheet(w)
    slot = by_position(worksheet)
    written = enter(w, worksheet, [(slot[1], "0.480"), (slot[2], "4.5")], qc={qc_slots["duplicate"].pk: "0.470"})
    assert [t.pk for t in written] == [w.t1["pb"].pk, w.t2["pb"].pk]
    rows = Test.objects.filter(pk__in=[w.t1["pb"].pk, w.t2["pb"].pk]).order_by("pk")
    today = timezone.localdate()
    fields = ("raw_value", "reported_value", "uncertainty", "decision", "status", "instrument_id", "measured_on")
    assert [(*(getattr(t, name) for name in fields), t.entered_by_id) for t in rows] == [
        ("0.480", "0.480", "0.048", "conditional_pass", "entered", w.icp.pk, today, w.analyst.pk),
        ("4.5", "4.500", "0.45", "fail", "entered", w.icp.pk, today, w.analyst.pk),
    ]  # fmt: skip
    assert list(
        models.ResultRevision.objects.filter(test__in=rows).order_by("test_id").values_list("version", "source")
    ) == [(1, "entry"), (1, "entry")]
    qc_slots["duplicate"].refresh_from_db()
    assert (qc_slots["duplicate"].qc_value, qc_slots["duplicate"].qc_passed) == ("0.470", True)
    # The duplicate's sample result changes: its verdict follows.
    enter(w, worksheet, [(slot[1], "0.600")])
    qc_slots["duplicate"].refresh_from_db()
    assert qc_slots["duplicate"].qc_passed is False
    event = AuditEvent.objects.filter(action="worksheet.qc").latest("pk")
    assert event.after == {
        "qc_value": "0.470",
        "qc_passed": False,
        "explanation": "平行样 0.470，原样 0.600，差 0.130 > 允许差 0.0535（均值 0.535 的 10%）：不合格",
    }


def test_enter_refusals_change_nothing(w):
    worksheet, qc_slots = qc_worksheet(w)
    slot = by_position(worksheet)
    before = state()
    with pytest.raises(ServiceError) as caught:
        enter(w, worksheet, [(slot[1], "0.48"), (qc_slots["blank"], "0.001")])
    assert caught.value.fields == {"entries.1.slot_id": ["位置 3 是质控位置：请填写质控结果。"]}
    with pytest.raises(ServiceError) as caught:
        enter(w, worksheet, [(slot[1], "0.48"), (slot[2], "abc")])
    assert caught.value.fields == {
        "entries.1.value": ["“abc”不是数值：请输入数字，可带正负号、小数点和指数（如 12.25、-0.036、1.2E-3）。"]
    }
    # A good result with a bad QC value in the same call: neither is written.
    with pytest.raises(ServiceError) as caught:
        enter(w, worksheet, [(slot[1], "0.48")], qc={qc_slots["blank"].pk: "x"})
    assert list(caught.value.fields) == [f"values.{qc_slots['blank'].pk}"]
    with pytest.raises(ServiceError) as caught:
        enter(w, worksheet, [(slot[1], "0.48")], measured_on=timezone.localdate() + dt.timedelta(days=1))
    assert list(caught.value.fields) == ["entries.0.measured_on"]
    with pytest.raises(ServiceError) as caught:
        worksheet_services.worksheet_enter(actor=w.analyst_actor, worksheet_id=worksheet.pk, entries=[])
    assert caught.value.fields == {"entries": ["请至少填写一项结果。"]}
    with pytest.raises(NotFound):
        worksheet_services.worksheet_enter(
            actor=w.m.lab2.analyst_actor,
            worksheet_id=worksheet.pk,
            entries=[worksheet_services.SlotResult(slot_id=slot[1].pk, value="0.4")],
        )
    assert state() == before


def test_submit_blocked_by_failing_qc_and_missing_results(w):
    worksheet, qc_slots = qc_worksheet(w)
    slot = by_position(worksheet)
    enter(w, worksheet, [(slot[1], "0.480")], qc={qc_slots["blank"].pk: "0.012", qc_slots["duplicate"].pk: "0.470"})
    before = state()
    with pytest.raises(Conflict) as caught:
        worksheet_services.worksheet_submit(actor=w.analyst_actor, worksheet_id=worksheet.pk)
    number = worksheet.number
    assert caught.value.message == (
        f"工作单 {number} 不能提交：位置 2（{w.s2.number} 铅）：尚无结果。；"
        "位置 3（空白）：空白 0.012 ≥ 检出限 0.005：不合格；"
        "位置 5（标准物质）：尚未录入质控结果。"
    )
    assert caught.value.fields == {
        f"slots.{slot[2].pk}": [f"位置 2（{w.s2.number} 铅）：尚无结果。"],
        f"slots.{qc_slots['blank'].pk}": ["位置 3（空白）：空白 0.012 ≥ 检出限 0.005：不合格"],
        f"slots.{qc_slots['reference'].pk}": ["位置 5（标准物质）：尚未录入质控结果。"],
    }
    assert caught.value.code == "worksheet_not_ready"
    assert state() == before


def test_submit_checks_duplicates_against_current_values(w):
    worksheet, qc_slots = qc_worksheet(w)
    slot = by_position(worksheet)
    enter(
        w,
        worksheet,
        [(slot[1], "0.480"), (slot[2], "0.2")],
        qc={qc_slots["blank"].pk: "0.001", qc_slots["duplicate"].pk: "0.470", qc_slots["reference"].pk: "0.49"},
    )
    # Changed outside the worksheet (the sample grid): the stored verdict is stale, the submission is not fooled.
    Test.objects.filter(pk=w.t1["pb"].pk).update(value="0.900", raw_value="0.900")
    before = state()
    with pytest.raises(Conflict) as caught:
        worksheet_services.worksheet_submit(actor=w.analyst_actor, worksheet_id=worksheet.pk)
    assert caught.value.fields == {
        f"slots.{qc_slots['duplicate'].pk}": [
            "位置 4（平行样）：平行样 0.470，原样 0.900，差 0.430 > 允许差 0.0685（均值 0.685 的 10%）：不合格"
        ]
    }
    assert state() == before


def test_submit_hands_results_over_and_closes_the_worksheet(w):
    worksheet, qc_slots = qc_worksheet(w)
    slot = by_position(worksheet)
    enter(
        w,
        worksheet,
        [(slot[1], "0.480"), (slot[2], "0.2")],
        qc={qc_slots["blank"].pk: "0.001", qc_slots["duplicate"].pk: "0.470", qc_slots["reference"].pk: "0.49"},
    )
    with pytest.raises(PermissionDenied):
        worksheet_services.worksheet_submit(actor=w.reviewer_actor, worksheet_id=worksheet.pk)
    with pytest.raises(NotFound):
        worksheet_services.worksheet_submit(actor=w.m.lab2.analyst_actor, worksheet_id=worksheet.pk)
    result = worksheet_services.worksheet_submit(actor=w.analyst_actor, worksheet_id=worksheet.pk)
    assert result.status == WorksheetStatus.SUBMITTED
    assert list(
        Test.objects.filter(pk__in=[w.t1["pb"].pk, w.t2["pb"].pk]).order_by("pk").values_list("status", flat=True)
    ) == ["submitted", "submitted"]
    assert models.ReviewStep.objects.filter(action="submit").count() == 2
    [event] = AuditEvent.objects.filter(action="worksheet.submit")
    assert (event.before, event.after) == (
        {"status": "open"},
        {"status": "submitted", "tests": [w.t1["pb"].pk, w.t2["pb"].pk]},
    )
    before = state()
    with pytest.raises(Conflict) as caught:
        worksheet_services.worksheet_submit(actor=w.analyst_actor, worksheet_id=worksheet.pk)
    assert caught.value.code == "worksheet_submitted"
    with pytest.raises(Conflict):
        enter(w, worksheet, [(slot[1], "0.5")])
    with pytest.raises(Conflict):
        worksheet_services.worksheet_remove_slot(actor=w.analyst_actor, worksheet_id=worksheet.pk, slot_id=slot[1].pk)
    assert state() == before
