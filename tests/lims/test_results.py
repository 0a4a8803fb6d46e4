"""Result entry, correction, calculated results and submission (lims.result_services, lims.result_selectors)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone

from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent
from tichub.lims import result_selectors
from tichub.lims.choices import SampleStatus
from tichub.lims.choices import TestStatus as Status
from tichub.lims.models import ResultRevision, ReviewStep, Test
from tichub.lims.result_services import ResultEntry, results_recalculate, results_record, results_submit
from tichub.marketplace.choices import OrderStatus
from tichub.metrology.models import Instrument

from .results_world import add_formula, add_tests, db_state, entry
from .world import lab_world, received, sample_tests

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def w():
    return lab_world()


def refused(kind, call):
    """Run a refused call: return its error and check that the database did not change."""
    before = db_state()
    with pytest.raises(kind) as caught:
        call()
    assert type(caught.value) is kind
    assert db_state() == before
    return caught.value


def record(w, *entries, actor=None, source="entry"):
    return results_record(actor=actor or w.analyst_actor, entries=list(entries), source=source)


# --- entering -----------------------------------------------------------------------------------------------------


def test_entry_is_converted_rounded_decided_and_recorded(w):
    sample = received(w)
    pb = sample_tests(sample)["pb"]
    [written] = record(w, entry(pb, " 480 ", unit="µg/kg", instrument_id=w.icp.pk, version=0))
    pb.refresh_from_db()
    assert written.pk == pb.pk
    assert (
        pb.raw_value,
        pb.raw_unit,
        pb.value,
        pb.reported_value,
        pb.uncertainty,
        pb.result_text_zh,
        pb.result_text_en,
        pb.decision,
        pb.measured_on,
        pb.instrument_id,
        pb.entered_by_id,
        pb.analyst_id,
        pb.version,
        pb.status,
    ) == (
        "480",
        "µg/kg",
        "0.480",
        "0.480",
        "0.048",
        "0.480",
        "0.480",
        "conditional_pass",
        today(),
        w.icp.pk,
        w.analyst.pk,
        w.analyst.pk,  # an unassigned test is taken by whoever enters its result
        1,
        "entered",
    )
    [revision] = ResultRevision.objects.filter(test=pb)
    assert (
        revision.version,
        revision.raw_value,
        revision.raw_unit,
        revision.value,
        revision.reported_value,
        revision.uncertainty,
        revision.decision,
        revision.measured_on,
        revision.instrument_id,
        revision.changed_by_id,
        revision.changed_at,
        revision.reason,
        revision.source,
    ) == (
        1,
        "480",
        "µg/kg",
        "0.480",
        "0.480",
        "0.048",
        "conditional_pass",
        today(),
        w.icp.pk,
        w.analyst.pk,
        pb.entered_at,
        "",
        "entry",
    )
    [event] = AuditEvent.objects.filter(action="result.enter")
    assert (event.object_id, event.actor_id, event.organisation_id, event.reason) == (
        str(pb.pk),
        w.analyst.pk,
        w.institution.pk,
        "",
    )
    assert (event.before["value"], event.before["status"], event.before["version"]) == ("", "pending", 0)
    assert (event.after["value"], event.after["reported_value"], event.after["status"], event.after["version"]) == (
        "0.480",
        "0.480",
        "entered",
        1,
    )
    sample.refresh_from_db()
    w.order.refresh_from_db()
    assert (sample.status, w.order.status) == (SampleStatus.TESTING, OrderStatus.IN_PROGRESS)


def test_below_lod_keeps_the_value_and_reports_not_detected(w):
    cd = sample_tests(received(w))["cd"]
    record(w, entry(cd, "0.5", unit="µg/kg"))
    cd.refresh_from_db()
    assert (
        cd.raw_value,
        cd.raw_unit,
        cd.value,
        cd.reported_value,
        cd.uncertainty,
        cd.result_text_zh,
        cd.result_text_en,
        cd.decision,
    ) == ("0.5", "µg/kg", "0.0005", "", "0.0020", "未检出 (<0.001)", "not detected (<0.001)", "pass")


def test_below_loq_reports_the_loq(w):
    cd = sample_tests(received(w))["cd"]
    record(w, entry(cd, "0.002"))
    cd.refresh_from_db()
    assert (cd.value, cd.reported_value, cd.result_text_zh, cd.result_text_en) == ("0.002", "", "<0.003", "<0.003")


def test_batch_of_both_tests_in_one_call_returns_them_in_entry_order(w):
    tests = sample_tests(received(w))
    written = record(w, entry(tests["cd"], "0.12"), entry(tests["pb"], "0.56"))
    assert [(t.keyword, t.value, t.reported_value, t.decision) for t in written] == [
        ("cd", "0.12", "0.12000", "fail"),  # 0.12 − 0.002 > 0.1; 2 decimals in µg/kg: 5 in mg/kg
        ("pb", "0.56", "0.560", "fail"),  # 0.56 − 0.056 > 0.5
    ]
    assert ResultRevision.objects.count() == 2
    assert AuditEvent.objects.filter(action="result.enter").count() == 2


def test_api_and_import_sources_are_recorded(w):
    tests = sample_tests(received(w))
    record(w, entry(tests["pb"], "0.1"), source="api")
    record(w, entry(tests["cd"], "0.01"), source="import")
    assert sorted(ResultRevision.objects.values_list("test__keyword", "source")) == [("cd", "import"), ("pb", "api")]
    with pytest.raises(ValueError, match="source must be one of"):
        record(w, entry(tests["pb"], "0.2"), source="guess")


# --- refusals -----------------------------------------------------------------------------------------------------


def test_every_fault_of_a_batch_is_reported_by_entry_and_field_and_nothing_is_written(w):
    sample = received(w)
    tests = sample_tests(sample)
    other_lab = Instrument.objects.create(institution=w.m.lab2.org, asset_number="X-1", name="外机构仪器")
    yesterday, tomorrow = today() - dt.timedelta(days=1), today() + dt.timedelta(days=1)
    error = refused(
        ServiceError,
        lambda: record(
            w,
            entry(tests["pb"], "0,48"),
            entry(tests["cd"], "1", unit="mg/L", measured_on=tomorrow),
        ),
    )
    assert error.fields == {
        "entries.0.value": ["“0,48”不是数值：小数点请用“.”，不要用逗号或千位分隔符。"],
        "entries.1.measured_on": [
            f"测试日期 {tomorrow.isoformat()} 晚于今天（{today().isoformat()}）：不能录入将来的测试。"
        ],
        "entries.1.unit": ["单位“mg/L”与本项目的单位“mg/kg”量纲不同，不能换算。"],
    }
    assert error.status == 400
    error = refused(
        ServiceError,
        lambda: record(
            w,
            entry(tests["pb"], "abc", unit="bananas", measured_on=yesterday),
            entry(tests["cd"], "-0.01", instrument_id=other_lab.pk),
        ),
    )
    assert error.fields == {
        "entries.0.measured_on": [
            f"测试日期 {yesterday.isoformat()} 早于样品 {sample.number} 的接收日期 {today().isoformat()}。"
        ],
        "entries.0.unit": ["未知单位“bananas”。"],
        "entries.0.value": ["“abc”不是数值：请输入数字，可带正负号、小数点和指数（如 12.25、-0.036、1.2E-3）。"],
        "entries.1.instrument_id": ["仪器设备不存在，或不属于本机构。"],
        "entries.1.value": ["结果 -0.01 为负值：本项目（浓度、含量等）的结果不能小于零。"],
    }


def test_instrument_out_of_calibration_is_refused_with_its_reason(w):
    tests = sample_tests(received(w))
    due = formats.date_format(w.balance_overdue.calibration_due, "Y-m-d")
    message = f"仪器 BAL-02 电子天平 的校准已于 {due} 到期，{today().isoformat()} 不能使用。"
    error = refused(ServiceError, lambda: record(w, entry(tests["pb"], "0.1", instrument_id=w.balance_overdue.pk)))
    assert error.fields == {"entries.0.instrument_id": [message]}
    # The test's own instrument is checked the same way when the entry names none.
    Test.objects.filter(pk=tests["cd"].pk).update(instrument=w.balance_overdue)
    error = refused(ServiceError, lambda: record(w, entry(tests["cd"], "0.01")))
    assert error.fields == {"entries.0.instrument_id": [message]}
    Instrument.objects.filter(pk=w.icp.pk).update(status="out_of_service")
    error = refused(ServiceError, lambda: record(w, entry(tests["pb"], "0.1", instrument_id=w.icp.pk)))
    assert error.fields == {"entries.0.instrument_id": ["仪器 ICP-01 电感耦合等离子体质谱仪 状态为“停用”，不能使用。"]}


def test_guarded_rule_without_uncertainty_is_refused_at_the_value(w):
    pb = sample_tests(received(w))["pb"]
    Test.objects.filter(pk=pb.pk).update(decision_rule="guarded", uncertainty_kind="none", uncertainty_value="")
    error = refused(ServiceError, lambda: record(w, entry(pb, "0.1")))
    assert error.fields == {
        "entries.0.value": [
            "约定的判定规则（判定规则：带保护带的二元判定（ILAC-G8:09/2019 4.2.2），保护带 w = 1 × U）"
            "需要测量不确定度：请在方法设置中给出本项目的扩展不确定度。"
        ]
    }


def test_too_long_text_and_duplicate_test_are_refused(w):
    tests = sample_tests(received(w))
    error = refused(ServiceError, lambda: record(w, entry(tests["pb"], "1" * 41)))
    assert error.fields == {"entries.0.value": ["结果最多 40 个字符。"]}
    error = refused(ServiceError, lambda: record(w, entry(tests["pb"], "0.1"), entry(tests["pb"], "0.2")))
    assert error.fields == {
        "entries.1.test_id": [f"检测项目 {tests['pb'].sample.number} 铅 在本次提交中出现了两次（另见第 1 项）。"]
    }
    assert refused(ServiceError, lambda: record(w)).fields == {"entries": ["请至少填写一项结果。"]}


def test_another_institutions_test_and_a_missing_test_are_not_found(w):
    tests = sample_tests(received(w))
    refused(NotFound, lambda: record(w, entry(tests["pb"], "0.1"), actor=w.outsider_lab_actor))
    refused(NotFound, lambda: record(w, entry(tests["pb"], "0.1"), ResultEntry(test_id=0, value="0.1")))
    refused(NotFound, lambda: results_submit(actor=w.outsider_lab_actor, test_ids=[tests["pb"].pk]))
    with pytest.raises(NotFound):
        result_selectors.sample_grid(w.outsider_lab_actor, tests["pb"].sample_id)
    with pytest.raises(NotFound):
        result_selectors.test_history(w.outsider_lab_actor, tests["pb"].pk)


def test_roles_other_than_analyst_may_not_enter(w):
    pb = sample_tests(received(w))["pb"]
    for actor in (w.reviewer_actor, w.signatory_actor, w.reception_actor):
        refused(PermissionDenied, lambda actor=actor: record(w, entry(pb, "0.1"), actor=actor))
        refused(PermissionDenied, lambda actor=actor: results_submit(actor=actor, test_ids=[pb.pk]))


def test_a_test_assigned_to_another_analyst_is_refused_naming_them(w):
    tests = sample_tests(received(w))
    Test.objects.filter(pk=tests["pb"].pk).update(analyst=w.analyst2)
    error = refused(Conflict, lambda: record(w, entry(tests["cd"], "0.01"), entry(tests["pb"], "0.1")))
    assert error.fields == {
        "entries.1.test_id": [
            f"检测项目 {tests['pb'].sample.number} 铅 已分配给 {w.analyst2.name}：只有该检测人员可以录入结果。"
        ]
    }
    assert (error.status, error.code) == (409, "assigned_elsewhere")
    [written] = record(w, entry(tests["pb"], "0.1"), actor=w.analyst2_actor)
    assert written.analyst_id == w.analyst2.pk


def test_a_calculated_test_cannot_be_entered_by_hand(w):
    sample = received(w)
    total = add_formula(sample)
    error = refused(Conflict, lambda: record(w, entry(total, "0.5")))
    assert error.fields == {
        "entries.0.value": [
            f"检测项目 {sample.number} 铅镉合量 是计算项目（公式 pb + cd）：结果由系统按公式计算，不能手工录入。"
        ]
    }
    assert error.code == "calculated"


def test_a_stale_version_is_refused_naming_who_changed_it_and_when(w):
    pb = sample_tests(received(w))["pb"]
    record(w, entry(pb, "0.1", version=0))
    revision = ResultRevision.objects.get(test=pb)
    when = formats.date_format(timezone.localtime(revision.changed_at), "Y-m-d H:i:s")
    error = refused(Conflict, lambda: record(w, entry(pb, "0.2", version=0), actor=w.analyst_actor))
    assert error.fields == {
        "entries.0.version": [
            f"检测项目 {pb.sample.number} 铅 在您打开后已被 {w.analyst.name} 于 {when} 更改"
            "（您看到的是第 0 版，现为第 1 版）：请刷新后重新录入。"
        ]
    }
    assert (error.status, error.code) == (409, "stale_version")
    [written] = record(w, entry(pb, "0.2", version=1))
    assert (written.value, written.version) == ("0.2", 2)


@pytest.mark.parametrize("status", [Status.APPROVED, Status.RETESTED, Status.RETRACTED])
def test_approved_retested_and_retracted_results_are_closed(w, status):
    pb = sample_tests(received(w))["pb"]
    record(w, entry(pb, "0.1"))
    Test.objects.filter(pk=pb.pk).update(status=status, approved_by=w.signatory)
    error = refused(Conflict, lambda: record(w, entry(pb, "0.2", reason="笔误")))
    expected = {
        Status.APPROVED: f"检测项目 {pb.sample.number} 铅 的结果已批准，不能再录入或更正："
        "已批准的结果只能由质量负责人或授权签字人撤销后重测。",
        Status.RETESTED: f"检测项目 {pb.sample.number} 铅 当前状态为“已重测”，仅作记录保留，不能再录入结果。",
        Status.RETRACTED: f"检测项目 {pb.sample.number} 铅 当前状态为“已撤销”，仅作记录保留，不能再录入结果。",
    }[status]
    assert error.fields == {"entries.0.test_id": [expected]}
    assert error.code == "test_state"


# --- corrections (ISO/IEC 17025 7.5.2) ----------------------------------------------------------------------------


def test_entered_result_changes_freely_and_keeps_every_version(w):
    pb = sample_tests(received(w))["pb"]
    record(w, entry(pb, "0.1"))
    record(w, entry(pb, "0.2"))
    pb.refresh_from_db()
    assert (pb.value, pb.version, pb.status) == ("0.2", 2, "entered")
    assert list(ResultRevision.objects.filter(test=pb).values_list("version", "value", "reason")) == [
        (1, "0.1", ""),
        (2, "0.2", ""),
    ]


@pytest.mark.parametrize(
    ("status", "checks", "after"),
    [
        (Status.SUBMITTED, 0, Status.SUBMITTED),
        (Status.CHECKED, 1, Status.SUBMITTED),
        (Status.REJECTED, 0, Status.ENTERED),
    ],
)
def test_a_submitted_result_needs_a_reason_and_keeps_the_earlier_value(w, status, checks, after):
    pb = sample_tests(received(w))["pb"]
    record(w, entry(pb, "0.1"))
    Test.objects.filter(pk=pb.pk).update(status=status, checks_done=checks)
    label = Status(status).label
    error = refused(ServiceError, lambda: record(w, entry(pb, "0.2", reason="  ")))
    assert error.fields == {
        "entries.0.reason": [
            f"检测项目 {pb.sample.number} 铅 的结果处于“{label}”状态："
            "更正须填写理由，原结果保留在修改记录中（ISO/IEC 17025 7.5.2）。"
        ]
    }
    record(w, entry(pb, "0.2", reason=" 称量 记录抄错 "))
    pb.refresh_from_db()
    assert (pb.value, pb.status, pb.checks_done, pb.version) == ("0.2", after, 0, 2)
    assert list(ResultRevision.objects.filter(test=pb).values_list("version", "value", "reason")) == [
        (1, "0.1", ""),
        (2, "0.2", "称量 记录抄错"),
    ]
    event = AuditEvent.objects.get(action="result.correct")
    assert (event.reason, event.before["value"], event.after["value"], event.after["status"]) == (
        "称量 记录抄错",
        "0.1",
        "0.2",
        after,
    )
    assert ReviewStep.objects.count() == 0  # review steps belong to the review


# --- calculated results -------------------------------------------------------------------------------------------


def test_formula_waits_for_its_inputs_then_follows_them(w):
    sample = received(w)
    tests = sample_tests(sample)
    total = add_formula(sample)
    written = record(w, entry(tests["pb"], "0.48"))
    assert [t.keyword for t in written] == ["pb"]
    total.refresh_from_db()
    assert (total.status, total.value, total.version) == ("pending", "", 0)

    written = record(w, entry(tests["cd"], "0.5", unit="µg/kg"), actor=w.analyst_actor)
    assert [t.keyword for t in written] == ["cd", "pbcd"]
    total.refresh_from_db()
    assert (
        total.raw_value,
        total.raw_unit,
        total.value,
        total.reported_value,
        total.decision,
        total.status,
        total.entered_by_id,
        total.measured_on,
        total.version,
    ) == ("0.4805", "mg/kg", "0.4805", "0.480", "none", "entered", w.analyst.pk, today(), 1)
    revision = ResultRevision.objects.get(test=total)
    assert (revision.value, revision.source, revision.changed_by_id, revision.reason) == (
        "0.4805",
        "calculation",
        w.analyst.pk,
        "",
    )
    assert AuditEvent.objects.filter(action="result.calculate", object_id=str(total.pk)).count() == 1

    record(w, entry(tests["pb"], "0.3"))
    total.refresh_from_db()
    assert (total.value, total.reported_value, total.version) == ("0.3005", "0.300", 2)
    # The same inputs again: the calculated result is unchanged and not written again.
    assert [t.keyword for t in record(w, entry(tests["pb"], "0.30"))] == ["pb"]
    total.refresh_from_db()
    assert (total.value, total.version) == ("0.3005", 2)


def test_correcting_an_input_of_a_submitted_calculated_result_sends_it_back_with_a_reason(w):
    sample = received(w)
    tests = sample_tests(sample)
    total = add_formula(sample)
    record(w, entry(tests["pb"], "0.4"), entry(tests["cd"], "0.01"))
    Test.objects.filter(pk__in=[tests["pb"].pk, total.pk]).update(status=Status.CHECKED, checks_done=1)
    record(w, entry(tests["pb"], "0.5", reason="复核后更正"))
    total.refresh_from_db()
    assert (total.value, total.status, total.checks_done) == ("0.51", "submitted", 0)
    assert (
        ResultRevision.objects.filter(test=total).latest("version").reason == "输入结果更正后按公式 pb + cd 重新计算。"
    )


def test_a_formula_the_new_values_make_impossible_refuses_the_entries_that_feed_it(w):
    sample = received(w)
    tests = sample_tests(sample)
    add_formula(sample, keyword="ratio", formula="pb / cd")
    record(w, entry(tests["pb"], "0.4"))
    error = refused(ServiceError, lambda: record(w, entry(tests["cd"], "0")))
    assert error.fields == {
        "entries.0.value": [
            f"样品 {sample.number} 的计算项目“铅镉合量”（公式 pb / cd）无法计算：division by zero in 'pb / cd'"
        ]
    }


def test_recalculate_after_an_import_fast_path(w):
    sample = received(w)
    tests = sample_tests(sample)
    total = add_formula(sample)
    # As the CSV import writes values without evaluating formulas itself.
    Test.objects.filter(pk=tests["pb"].pk).update(value="0.25", status="entered", measured_on=today())
    Test.objects.filter(pk=tests["cd"].pk).update(value="0.05", status="entered", measured_on=today())
    [written] = results_recalculate(actor=w.analyst_actor, sample_ids=[sample.pk])
    assert (written.pk, written.value, written.reported_value, written.status) == (total.pk, "0.30", "0.300", "entered")
    assert results_recalculate(actor=w.analyst_actor, sample_ids=[sample.pk]) == []
    refused(NotFound, lambda: results_recalculate(actor=w.outsider_lab_actor, sample_ids=[sample.pk]))
    refused(PermissionDenied, lambda: results_recalculate(actor=w.reviewer_actor, sample_ids=[sample.pk]))


# --- submission ---------------------------------------------------------------------------------------------------


def test_submit_hands_entered_results_over_with_a_review_step(w):
    tests = sample_tests(received(w))
    record(w, entry(tests["pb"], "0.1"), entry(tests["cd"], "0.01"))
    submitted = results_submit(actor=w.analyst_actor, test_ids=[tests["pb"].pk, tests["cd"].pk])
    assert [(t.keyword, t.status, t.version) for t in submitted] == [("pb", "submitted", 2), ("cd", "submitted", 2)]
    for test in submitted:
        test.refresh_from_db()
        assert test.submitted_at is not None and test.checks_done == 0
    steps = list(ReviewStep.objects.order_by("test_id").values_list("test_id", "action", "level", "by_id", "reason"))
    assert steps == sorted(
        [(tests["pb"].pk, "submit", 0, w.analyst.pk, ""), (tests["cd"].pk, "submit", 0, w.analyst.pk, "")]
    )
    assert AuditEvent.objects.filter(action="result.submit").count() == 2


def test_submit_refuses_tests_without_a_result_or_in_another_state(w):
    sample = received(w)
    tests = sample_tests(sample)
    error = refused(ServiceError, lambda: results_submit(actor=w.analyst_actor, test_ids=[tests["pb"].pk]))
    assert error.fields == {"test_ids": [f"以下检测项目还没有结果，不能提交：{sample.number} 铅。"]}
    record(w, entry(tests["pb"], "0.1"))
    results_submit(actor=w.analyst_actor, test_ids=[tests["pb"].pk])
    error = refused(Conflict, lambda: results_submit(actor=w.analyst_actor, test_ids=[tests["pb"].pk]))
    assert error.fields == {
        "test_ids": [f"以下检测项目当前不能提交（只能提交已录入的结果）：{sample.number} 铅（待审核）。"]
    }
    record(w, entry(tests["cd"], "0.01"))
    Test.objects.filter(pk=tests["cd"].pk).update(analyst=w.analyst2)
    error = refused(Conflict, lambda: results_submit(actor=w.analyst_actor, test_ids=[tests["cd"].pk]))
    assert error.fields == {
        "test_ids": [f"以下检测项目已分配给其他检测人员，不能由您提交：{sample.number} 镉（{w.analyst2.name}）。"]
    }
    assert refused(ServiceError, lambda: results_submit(actor=w.analyst_actor, test_ids=[])).fields == {
        "test_ids": ["请选择要提交的检测项目。"]
    }


def test_a_rejected_result_is_submitted_again_only_after_it_was_rewritten(w):
    sample = received(w)
    pb = sample_tests(sample)["pb"]
    record(w, entry(pb, "0.1"))
    results_submit(actor=w.analyst_actor, test_ids=[pb.pk])
    rejected_at = timezone.now() + dt.timedelta(seconds=1)
    Test.objects.filter(pk=pb.pk).update(status=Status.REJECTED)
    ReviewStep.objects.create(test=pb, action="reject", level=1, by=w.reviewer, at=rejected_at, reason="数据可疑")
    error = refused(Conflict, lambda: results_submit(actor=w.analyst_actor, test_ids=[pb.pk]))
    assert error.fields == {
        "test_ids": [f"以下检测项目当前不能提交（只能提交已录入的结果）：{sample.number} 铅（退回后尚未更正）。"]
    }
    # A result written after the rejection (e.g. by the CSV import's fast path, which keeps the state).
    ResultRevision.objects.create(
        test=pb,
        version=9,
        raw_value="0.12",
        raw_unit="mg/kg",
        value="0.12",
        changed_by=w.analyst,
        changed_at=rejected_at + dt.timedelta(seconds=1),
    )
    [submitted] = results_submit(actor=w.analyst_actor, test_ids=[pb.pk])
    assert submitted.status == Status.SUBMITTED


# --- reads --------------------------------------------------------------------------------------------------------


def test_history_lists_revisions_and_steps_in_order(w):
    pb = sample_tests(received(w))["pb"]
    record(w, entry(pb, "0.1"))
    record(w, entry(pb, "0.2"))
    results_submit(actor=w.analyst_actor, test_ids=[pb.pk])
    number = pb.sample.number
    with CaptureQueriesContext(connection) as queries:
        history = result_selectors.test_history(w.reviewer_actor, pb.pk)
        assert [(r.version, r.value, r.changed_by.name) for r in history.revisions] == [
            (1, "0.1", w.analyst.name),
            (2, "0.2", w.analyst.name),
        ]
        assert [(s.action, s.by.name) for s in history.steps] == [("submit", w.analyst.name)]
        assert (history.test.standard.canonical, history.test.sample.number) == ("GB 5009.12-2017", number)
    assert len(queries) == 3


# --- query counts -------------------------------------------------------------------------------------------------


def _queries(call):
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def test_record_and_grid_query_counts_do_not_grow_with_the_tests(w):
    first, second = received(w, 0), received(w, 1)
    # Both samples started and the order in progress, so both measured calls do the same roll-up.
    record(w, entry(sample_tests(first)["cd"], "0.01"), entry(sample_tests(second)["cd"], "0.01"))
    few, many = add_tests(first, 2), add_tests(second, 20)
    small = _queries(lambda: record(w, *[entry(t, "0.1", instrument_id=w.icp.pk, version=0) for t in few]))
    large = _queries(lambda: record(w, *[entry(t, "0.1", instrument_id=w.icp.pk, version=0) for t in many]))
    assert small == large
    assert Test.objects.filter(sample=second, keyword__startswith="pb", value="0.1").count() == 20
    small = _queries(lambda: results_submit(actor=w.analyst_actor, test_ids=[t.pk for t in few]))
    large = _queries(lambda: results_submit(actor=w.analyst_actor, test_ids=[t.pk for t in many]))
    assert small == large
    grid_small = _queries(lambda: result_selectors.sample_grid(w.analyst_actor, first.pk))
    grid_large = _queries(lambda: result_selectors.sample_grid(w.analyst_actor, second.pk))
    assert grid_small == grid_large == 3
    assert len(result_selectors.sample_grid(w.analyst_actor, second.pk).tests) == 22
