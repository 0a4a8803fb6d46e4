"""Keeping a received sample (ISO/IEC 17025 7.4): the chain of custody (hand-over, move, return), sub-samples with
derived numbers, and disposal; every refusal precise and without effect."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tichub.accounts.choices import Role
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent
from tichub.core.testing.factories import member
from tichub.lims import choices, sample_selectors, sample_services
from tichub.lims.models import CustodyEvent, LabSample, Test

from .world import lab_world, sample_tests

pytestmark = pytest.mark.django_db


def receive(w, index=0, **fields):
    return sample_services.sample_receive(
        actor=w.reception_actor,
        announcement_id=w.announcements[index].pk,
        **{"condition": "intact", "seal_intact": True, "storage_location": "样品室 A-01", **fields},
    )


def state():
    """Everything a refused custody, split or disposal must leave alone."""
    return (
        list(LabSample.objects.order_by("pk").values_list("number", "custodian_id", "storage_location", "disposed_at")),
        list(Test.objects.order_by("pk").values_list("sample_id", "status", "version")),
        CustodyEvent.objects.count(),
        AuditEvent.objects.count(),
    )


def chain(sample):
    return [
        (e.kind, e.by_id, e.to_person_id, e.from_location, e.to_location, e.note)
        for e in CustodyEvent.objects.filter(sample=sample).order_by("at", "pk")
    ]


def approve_all(w, sample):
    Test.objects.filter(sample=sample).update(
        status=choices.TestStatus.APPROVED, value="0.1", entered_by=w.analyst, approved_by=w.signatory
    )


# --- chain of custody ---------------------------------------------------------------------------------------------


def test_handover_move_and_return_make_the_chain_of_custody():
    w = lab_world()
    sample = receive(w)
    reference = w.announcements[0].reference
    handed = sample_services.custody_record(
        actor=w.reception_actor, sample_id=sample.pk, kind="handover", to_person_id=w.analyst.pk, note="交检测"
    )
    assert (handed.kind, handed.to_person_id, handed.from_location, handed.to_location) == (
        "handover",
        w.analyst.pk,
        "样品室 A-01",
        "",
    )
    sample_services.custody_record(
        actor=w.analyst_actor, sample_id=sample.pk, kind="move", to_location=" 冷库  B-02 ", note="需冷藏"
    )
    sample.refresh_from_db()
    assert (sample.custodian_id, sample.storage_location) == (w.analyst.pk, "冷库 B-02")
    sample_services.custody_record(
        actor=w.analyst_actor,
        sample_id=sample.pk,
        kind="handover",
        to_person_id=w.analyst2.pk,
        to_location="前处理室",
    )
    sample_services.custody_record(
        actor=w.reception_actor, sample_id=sample.pk, kind="return", note="客户自取，经手人张三"
    )
    sample.refresh_from_db()
    assert (sample.custodian_id, sample.storage_location) == (None, "")
    assert chain(sample) == [
        ("receive", w.reception.pk, w.reception.pk, "", "样品室 A-01", reference),
        ("handover", w.reception.pk, w.analyst.pk, "样品室 A-01", "", "交检测"),
        ("move", w.analyst.pk, None, "样品室 A-01", "冷库 B-02", "需冷藏"),
        ("handover", w.analyst.pk, w.analyst2.pk, "冷库 B-02", "前处理室", ""),
        ("return", w.reception.pk, None, "前处理室", "", "客户自取，经手人张三"),
    ]
    events = AuditEvent.objects.filter(object_id=str(sample.pk), action__in=["sample.handover", "sample.move"])
    assert [(e.action, e.before, e.after) for e in events.order_by("pk")] == [
        (
            "sample.handover",
            {"custodian": w.reception.pk, "storage_location": "样品室 A-01"},
            {"custodian": w.analyst.pk, "storage_location": "样品室 A-01", "note": "交检测"},
        ),
        (
            "sample.move",
            {"custodian": w.analyst.pk, "storage_location": "样品室 A-01"},
            {"custodian": w.analyst.pk, "storage_location": "冷库 B-02", "note": "需冷藏"},
        ),
        (
            "sample.handover",
            {"custodian": w.analyst.pk, "storage_location": "冷库 B-02"},
            {"custodian": w.analyst2.pk, "storage_location": "前处理室", "note": ""},
        ),
    ]
    detail = sample_selectors.sample_detail(w.reception_actor, sample.pk)
    assert (detail.returned, detail.in_custody) == (True, False)
    before = state()
    with pytest.raises(Conflict) as caught:
        sample_services.custody_record(actor=w.reception_actor, sample_id=sample.pk, kind="move", to_location="A")
    assert (caught.value.code, caught.value.message) == ("returned", f"样品 {sample.number} 已退还客户，不能移库。")
    with pytest.raises(Conflict):
        sample_services.sample_dispose(actor=w.reception_actor, sample_id=sample.pk, method="焚烧", early_reason="x")
    assert state() == before


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"kind": "lend"}, {"kind": ["记录类型须为以下之一：handover（交接）、move（移库）、return（退还客户）。"]}),
        ({"kind": "handover"}, {"to_person_id": ["交接须指定接收人。"]}),
        ({"kind": "handover", "to_person_id": "7"}, {"to_person_id": ["接收人须为人员编号。"]}),
        ({"kind": "move"}, {"to_location": ["移库须填写去向位置。"]}),
        ({"kind": "move", "to_location": "样品室 A-01"}, {"to_location": ["样品已存放在“样品室 A-01”。"]}),
        ({"kind": "move", "to_location": "x" * 121}, {"to_location": ["去向位置 最多 120 个字符（现为 121 个）。"]}),
        ({"kind": "return"}, {"note": ["请填写说明。"]}),
        ({"kind": "return", "note": "快递", "to_location": "客户"},
         {"to_location": ["退还客户无需填写去向位置：请在说明中写明退还方式。"]}),
        ({"kind": "move", "to_location": "B", "note": "n" * 301}, {"note": ["说明 最多 300 个字符（现为 301 个）。"]}),
    ],
)  # fmt: skip
def test_custody_input_is_refused_by_field(fields, errors):
    w = lab_world(samples=1)
    sample = receive(w)
    before = state()
    with pytest.raises(ServiceError) as caught:
        sample_services.custody_record(actor=w.reception_actor, sample_id=sample.pk, **fields)
    assert caught.value.fields == errors
    assert state() == before


def test_handover_only_to_an_active_member_of_the_institution_and_not_to_the_custodian():
    w = lab_world(samples=1)
    sample = receive(w)
    retired = member(w.institution, Role.ANALYST)
    retired.is_active = False
    retired.save()
    before = state()
    for person, message in (
        (w.m.lab2.analyst, "接收人须为本机构的在职成员。"),
        (w.m.owner, "接收人须为本机构的在职成员。"),
        (retired, "接收人须为本机构的在职成员。"),
        (w.reception, "样品已由该人员保管。"),
    ):
        with pytest.raises(ServiceError) as caught:
            sample_services.custody_record(
                actor=w.reception_actor, sample_id=sample.pk, kind="handover", to_person_id=person.pk
            )
        assert caught.value.fields == {"to_person_id": [message]}
    with pytest.raises(ServiceError) as caught:
        sample_services.custody_record(
            actor=w.reception_actor, sample_id=sample.pk, kind="move", to_location="B", to_person_id=w.analyst.pk
        )
    assert caught.value.fields == {"to_person_id": ["只有交接需要指定接收人。"]}
    assert state() == before


def test_custody_of_another_institution_or_without_the_role_is_refused():
    w = lab_world(samples=1)
    sample = receive(w)
    before = state()
    with pytest.raises(NotFound):
        sample_services.custody_record(
            actor=w.m.lab2.reception_actor, sample_id=sample.pk, kind="move", to_location="B"
        )
    for actor in (w.reviewer_actor, w.signatory_actor, w.owner_actor):
        with pytest.raises(PermissionDenied):
            sample_services.custody_record(actor=actor, sample_id=sample.pk, kind="move", to_location="B")
    assert state() == before


# --- sub-samples --------------------------------------------------------------------------------------------------


def test_split_numbers_parts_after_the_parent_and_records_custody():
    w = lab_world(samples=1)
    sample = receive(w, condition="damaged", disclaimer="包装破损，结果仅对来样负责。")
    parts = sample_services.sample_split(
        actor=w.quality_actor,
        sample_id=sample.pk,
        parts=[
            {"description": "白砂糖 分样 A（重金属）", "quantity": "100 g", "storage_location": "前处理室"},
            {"description": "白砂糖 分样 B（留样）", "quantity": "200 g"},
        ],
    )
    assert [(p.number, p.parent_id, p.description, p.quantity, p.storage_location) for p in parts] == [
        (f"{sample.number}-1", sample.pk, "白砂糖 分样 A（重金属）", "100 g", "前处理室"),
        (f"{sample.number}-2", sample.pk, "白砂糖 分样 B（留样）", "200 g", "样品室 A-01"),
    ]
    part = LabSample.objects.get(pk=parts[0].pk)
    assert (part.order_id, part.enterprise_id, part.institution_id, part.announcement_id) == (
        w.order.pk,
        w.enterprise.pk,
        w.institution.pk,
        None,
    )
    assert (part.received_at, part.retention_until, part.condition, part.disclaimer, part.custodian_id) == (
        sample.received_at,
        sample.retention_until,
        "damaged",
        "包装破损，结果仅对来样负责。",
        w.quality.pk,
    )
    assert chain(sample)[1:] == [
        ("subsample", w.quality.pk, None, "样品室 A-01", "", f"→ {sample.number}-1, {sample.number}-2")
    ]
    assert chain(part) == [("subsample", w.quality.pk, w.quality.pk, "样品室 A-01", "前处理室", f"← {sample.number}")]
    assert AuditEvent.objects.filter(action="sample.split").count() == 2
    [third] = sample_services.sample_split(
        actor=w.reception_actor, sample_id=sample.pk, parts=[{"description": "分样 C", "quantity": "50 g"}]
    )
    assert third.number == f"{sample.number}-3"
    [grandchild] = sample_services.sample_split(
        actor=w.reception_actor, sample_id=third.pk, parts=[{"description": "分样 C 的一半", "quantity": "25 g"}]
    )
    assert grandchild.number == f"{sample.number}-3-1"
    assert sample_tests(sample).keys() == {"pb", "cd"}  # nothing moved


def test_split_moves_pending_tests_to_the_part_and_rolls_progress_up():
    w = lab_world(samples=1)
    sample = receive(w)
    tests = sample_tests(sample)
    Test.objects.filter(pk=tests["pb"].pk).update(
        status=choices.TestStatus.APPROVED, value="0.1", entered_by=w.analyst, approved_by=w.signatory
    )
    [part] = sample_services.sample_split(
        actor=w.reception_actor,
        sample_id=sample.pk,
        parts=[{"description": "镉分样", "quantity": "50 g"}],
        test_ids=[tests["cd"].pk],
    )
    moved = Test.objects.get(pk=tests["cd"].pk)
    assert (moved.sample_id, moved.version, moved.status) == (part.pk, tests["cd"].version + 1, "pending")
    sample.refresh_from_db()
    assert sample.status == "ready"  # its only live test left is approved
    event = AuditEvent.objects.get(action="sample.split")
    assert event.after["tests_moved"] == {str(tests["cd"].pk): "cd"}


def test_split_refusals_name_the_field_and_change_nothing():
    w = lab_world()
    sample = receive(w)
    other = receive(w, 1)
    tests = sample_tests(sample)
    Test.objects.filter(pk=tests["pb"].pk).update(status=choices.TestStatus.ENTERED, value="0.2", entered_by=w.analyst)
    one = [{"description": "分样", "quantity": "1 g"}]
    cases = [
        ({"parts": []}, {"parts": ["请至少填写一份分样。"]}),
        ({"parts": [{"description": "", "quantity": ""}]},
         {"parts.0.description": ["请填写样品描述。"], "parts.0.quantity": ["请填写数量。"]}),
        ({"parts": [{"description": "a", "quantity": "1", "colour": "red"}]}, {"parts.0": ["未知字段：colour。"]}),
        ({"parts": ["a"]}, {"parts.0": ["每份分样须包含样品描述、数量和存放位置。"]}),
        ({"parts": one * 21}, {"parts": ["一次最多分出 20 份（现为 21 份）。"]}),
        ({"parts": one, "test_ids": [tests["pb"].pk]},
         {"test_ids": ["只能移交待检的检测项目：pb（已录入） 已不是待检状态。"]}),
        ({"parts": one, "test_ids": [sample_tests(other)["cd"].pk]},
         {"test_ids": [f"检测项目 {sample_tests(other)['cd'].pk} 不属于样品 {sample.number}。"]}),
        ({"parts": one * 2, "test_ids": [tests["cd"].pk]},
         {"test_ids": ["移交检测项目时一次只能分出一份：请逐份分样。"]}),
        ({"parts": one, "test_ids": "1"}, {"test_ids": ["移交的检测项目 须为检测项目编号的列表。"]}),
    ]  # fmt: skip
    before = state()
    for fields, errors in cases:
        with pytest.raises(ServiceError) as caught:
            sample_services.sample_split(actor=w.reception_actor, sample_id=sample.pk, **fields)
        assert caught.value.fields == errors, fields
    with pytest.raises(NotFound):
        sample_services.sample_split(actor=w.m.lab2.reception_actor, sample_id=sample.pk, parts=one)
    with pytest.raises(PermissionDenied):
        sample_services.sample_split(actor=w.analyst_actor, sample_id=sample.pk, parts=one)
    assert state() == before


# --- disposal -----------------------------------------------------------------------------------------------------


def test_disposal_waits_for_the_tests_and_the_retention_date_unless_a_reason_is_given():
    w = lab_world(samples=1)
    sample = receive(w)
    before = state()
    with pytest.raises(Conflict) as caught:
        sample_services.sample_dispose(actor=w.reception_actor, sample_id=sample.pk, method="焚烧", early_reason="x")
    assert (caught.value.code, caught.value.message) == (
        "tests_unfinished",
        f"样品 {sample.number} 尚有 2 个检测项目未完成（pb：待检、cd：待检），不能处置。",
    )
    approve_all(w, sample)
    before = state()
    with pytest.raises(ServiceError) as caught:
        sample_services.sample_dispose(actor=w.reception_actor, sample_id=sample.pk, method="焚烧")
    retention = sample.retention_until.isoformat()
    assert caught.value.fields == {"early_reason": [f"样品保存期至 {retention}，提前处置须填写提前处置原因。"]}
    with pytest.raises(ServiceError) as caught:
        sample_services.sample_dispose(actor=w.reception_actor, sample_id=sample.pk, method=" ", early_reason="x")
    assert caught.value.fields == {"method": ["请填写处置方式。"]}
    assert state() == before

    disposed = sample_services.sample_dispose(
        actor=w.reception_actor,
        sample_id=sample.pk,
        method="按危险废物处理",
        note="交环保公司",
        early_reason="客户书面要求",
    )
    assert (disposed.disposal, disposed.custodian_id, disposed.storage_location) == ("按危险废物处理", None, "")
    assert disposed.disposed_at is not None
    assert chain(sample)[-1] == ("dispose", w.reception.pk, None, "样品室 A-01", "", "按危险废物处理 — 交环保公司")
    event = AuditEvent.objects.get(action="sample.dispose")
    assert (event.reason, event.after["early"], event.after["disposal"], event.before["disposed_at"]) == (
        "客户书面要求",
        True,
        "按危险废物处理",
        None,
    )
    before = state()
    for call in (
        lambda: sample_services.sample_dispose(actor=w.reception_actor, sample_id=sample.pk, method="再次"),
        lambda: sample_services.custody_record(
            actor=w.reception_actor, sample_id=sample.pk, kind="handover", to_person_id=w.analyst.pk
        ),
        lambda: sample_services.sample_split(
            actor=w.reception_actor, sample_id=sample.pk, parts=[{"description": "a", "quantity": "1"}]
        ),
    ):
        with pytest.raises(Conflict) as caught:
            call()
        assert caught.value.code == "disposed"
    assert state() == before


def test_disposal_after_the_retention_date_needs_no_reason_and_a_sample_without_tests_can_go():
    w = lab_world(samples=1)
    sample = receive(w)
    approve_all(w, sample)
    LabSample.objects.filter(pk=sample.pk).update(retention_until=timezone.localdate() - dt.timedelta(days=1))
    [part] = sample_services.sample_split(
        actor=w.reception_actor, sample_id=sample.pk, parts=[{"description": "留样", "quantity": "50 g"}]
    )
    sample_services.sample_dispose(actor=w.reception_actor, sample_id=sample.pk, method="退回原料库")
    assert AuditEvent.objects.get(action="sample.dispose").reason == ""
    done = sample_services.sample_dispose(actor=w.reception_actor, sample_id=part.pk, method="焚烧")
    assert done.disposed_at is not None


def test_disposal_of_another_institution_or_by_a_custodian_only_is_refused():
    w = lab_world(samples=1)
    sample = receive(w)
    approve_all(w, sample)
    before = state()
    with pytest.raises(NotFound):
        sample_services.sample_dispose(
            actor=w.m.lab2.reception_actor, sample_id=sample.pk, method="x", early_reason="y"
        )
    with pytest.raises(PermissionDenied):
        sample_services.sample_dispose(actor=w.analyst_actor, sample_id=sample.pk, method="x", early_reason="y")
    assert state() == before
