"""Review services: check, approve, reject, retest, retract (ISO/IEC 17025 7.7, 7.8.1.1, 6.2.6, 7.10)."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tichub.accounts.choices import Role
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent, Notification
from tichub.core.testing.factories import member
from tichub.lims.models import LabSample, ResultRevision, ReviewStep, SignatoryAuthorisation, Test
from tichub.lims.result_services import ResultEntry, results_record, results_submit
from tichub.lims.review_services import review_approve, review_check, review_reject, review_retest, review_retract
from tichub.marketplace.models import Order, TimelineEvent

from .review_world import levels, submitted, two_hats
from .world import actor_of, lab_world, received, sample_tests

pytestmark = pytest.mark.django_db


def state(w):
    """Everything a refused review action must leave as it was."""
    return (
        list(Test.objects.order_by("pk").values_list("pk", "status", "checks_done", "approved_by_id", "version")),
        list(LabSample.objects.order_by("pk").values_list("pk", "status")),
        Order.objects.get(pk=w.order.pk).status,
        ReviewStep.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
        TimelineEvent.objects.count(),
    )


def refused(call, **kwargs):
    with pytest.raises(ServiceError) as exc:
        call(**kwargs)
    return exc.value


def approved_sample(w, index=0):
    """Announcement `index` received, submitted, checked and approved (two review levels)."""
    sample = received(w, index)
    tests = submitted(w, sample)
    ids = [tests["pb"].pk, tests["cd"].pk]
    review_check(actor=w.reviewer_actor, test_ids=ids)
    review_approve(actor=w.signatory_actor, test_ids=ids)
    return sample, sample_tests(sample)


# --- the path through two levels ---------------------------------------------------------------------------------


def test_check_then_approve_makes_the_sample_ready_and_tells_reception(django_capture_on_commit_callbacks):
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample)
    pb, cd = tests["pb"], tests["cd"]
    assert (pb.status, pb.decision, cd.decision) == ("submitted", "conditional_pass", "pass")
    w.order.refresh_from_db()
    assert w.order.status == "in_progress"

    checked = review_check(actor=w.reviewer_actor, test_ids=[pb.pk, cd.pk], note="原始记录齐全")
    assert [(t.pk, t.status, t.checks_done, t.version) for t in checked] == [
        (pb.pk, "checked", 1, pb.version + 1),
        (cd.pk, "checked", 1, cd.version + 1),
    ]
    step = ReviewStep.objects.get(test=pb, action="check")
    assert (step.level, step.by_id, step.reason) == (1, w.reviewer.pk, "原始记录齐全")
    event = AuditEvent.objects.get(action="test.check", object_id=str(pb.pk))
    assert (event.before["status"], event.after["status"], event.after["checks_done"], event.reason) == (
        "submitted",
        "checked",
        1,
        "原始记录齐全",
    )

    with django_capture_on_commit_callbacks(execute=True):
        approved = review_approve(actor=w.signatory_actor, test_ids=[pb.pk, cd.pk])
    assert [(t.status, t.approved_by_id) for t in approved] == [("approved", w.signatory.pk)] * 2
    stored = Test.objects.get(pk=pb.pk)
    assert (stored.status, stored.checks_done, stored.approved_by_id, stored.approved_at is not None) == (
        "approved",
        1,
        w.signatory.pk,
        True,
    )
    assert ReviewStep.objects.get(test=pb, action="approve").level == 2
    sample.refresh_from_db()
    assert sample.status == "ready"
    [note] = Notification.objects.filter(user=w.reception, title__endswith="可出具报告")
    assert (note.title, note.url, note.organisation_id) == (
        f"样品 {sample.number} 全部结果已批准，可出具报告",
        f"/lab/samples/{sample.pk}/review/",
        w.institution.pk,
    )
    assert note.body == (
        f"委托单 {w.order.number} 的样品 {sample.number}（一级白砂糖，袋装）全部检测结果已批准，可以出具报告。"
    )
    # The second announced sample is not received yet: the order is not complete.
    w.order.refresh_from_db()
    assert w.order.status == "in_progress"


def test_order_completes_when_every_sample_is_received_and_approved():
    w = lab_world()
    approved_sample(w, 0)
    w.order.refresh_from_db()
    assert w.order.status == "in_progress"
    second, _ = approved_sample(w, 1)
    w.order.refresh_from_db()
    assert w.order.status == "completed"
    assert list(TimelineEvent.objects.filter(order=w.order).order_by("pk").values_list("kind", "text_zh"))[-1] == (
        "completed",
        "检测完成",
    )
    assert Notification.objects.filter(user=w.m.enterprise.owner, title__contains="检测完成").count() == 1
    assert Notification.objects.filter(user=w.reception, title__contains=second.number).count() == 1


# --- independence ----------------------------------------------------------------------------------------------


def test_a_reviewer_checking_their_own_result_is_refused_and_nothing_changes():
    w = lab_world()
    sample = received(w)
    as_analyst, as_reviewer, _ = two_hats(w, Role.REVIEWER)
    tests = submitted(w, sample, actor=as_analyst)
    before = state(w)
    error = refused(review_check, actor=as_reviewer, test_ids=[tests["pb"].pk, tests["cd"].pk])
    assert isinstance(error, Conflict) and error.code == "own_result"
    assert error.fields == {
        "test_ids.0": [f"{sample.number} 铅：您录入了该结果，须由另一名审核人审核。"],
        "test_ids.1": [f"{sample.number} 镉：您录入了该结果，须由另一名审核人审核。"],
    }
    assert state(w) == before


def test_someone_who_revised_the_result_may_not_check_it():
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample, {"pb": "0.48"})
    as_analyst2, as_reviewer, user = two_hats(w, Role.REVIEWER)
    # The second analyst corrects the submitted value (with a reason): they wrote a revision of this result.
    Test.objects.filter(pk=tests["pb"].pk).update(analyst=user)
    entry = ResultEntry(test_id=tests["pb"].pk, value="0.47", unit="mg/kg", reason="复核原始记录，抄写错误")
    results_record(actor=as_analyst2, entries=[entry])
    assert Test.objects.get(pk=tests["pb"].pk).status == "submitted"
    Test.objects.filter(pk=tests["pb"].pk).update(entered_by=w.analyst)
    before = state(w)
    error = refused(review_check, actor=as_reviewer, test_ids=[tests["pb"].pk])
    assert error.message == f"{sample.number} 铅：您录入了该结果，须由另一名审核人审核。"
    assert state(w) == before


def test_a_signatory_approving_their_own_result_is_refused():
    w = lab_world()
    levels(w, 1)
    sample = received(w)
    as_analyst, as_signatory, user = two_hats(w, Role.AUTHORIZED_SIGNATORY)
    SignatoryAuthorisation.objects.create(
        institution=w.institution, user=user, standard=w.m.lead, valid_from=timezone.localdate()
    )
    tests = submitted(w, sample, {"pb": "0.30"}, actor=as_analyst)
    before = state(w)
    error = refused(review_approve, actor=as_signatory, test_ids=[tests["pb"].pk])
    assert (error.code, error.message) == (
        "own_result",
        f"{sample.number} 铅：您录入了该结果，须由另一名授权签字人批准。",
    )
    assert state(w) == before


def test_the_checker_may_not_approve_what_they_checked():
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample, {"pb": "0.30"})
    user = member(w.institution, Role.REVIEWER, Role.AUTHORIZED_SIGNATORY)
    SignatoryAuthorisation.objects.create(
        institution=w.institution, user=user, standard=w.m.lead, valid_from=timezone.localdate()
    )
    review_check(actor=actor_of(w.institution, user, Role.REVIEWER), test_ids=[tests["pb"].pk])
    before = state(w)
    error = refused(
        review_approve, actor=actor_of(w.institution, user, Role.AUTHORIZED_SIGNATORY), test_ids=[tests["pb"].pk]
    )
    assert (error.code, error.message) == (
        "checked_already",
        f"{sample.number} 铅：您审核过该结果，须由另一名授权签字人批准。",
    )
    assert state(w) == before


# --- authorisation ---------------------------------------------------------------------------------------------


def test_a_signatory_without_authorisation_for_cadmiums_edition_is_refused_naming_it():
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample)
    ids = [tests["pb"].pk, tests["cd"].pk]
    review_check(actor=w.reviewer_actor, test_ids=ids)
    SignatoryAuthorisation.objects.create(
        institution=w.institution, user=w.signatory2, standard=w.m.lead, valid_from=timezone.localdate()
    )
    before = state(w)
    error = refused(review_approve, actor=w.signatory2_actor, test_ids=ids)
    assert (error.status, error.code) == (409, "not_authorised")
    assert error.fields == {
        "test_ids.1": [f"{sample.number} 镉：您的授权签字范围不包括方法 GB 5009.15-2014（镉），不能批准。"]
    }
    assert state(w) == before
    # Lead alone is within the authorisation.
    [pb] = review_approve(actor=w.signatory2_actor, test_ids=[tests["pb"].pk])
    assert pb.status == "approved"


def test_an_authorisation_for_the_method_covers_it_and_an_expired_one_does_not():
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample)
    cd = tests["cd"].pk
    review_check(actor=w.reviewer_actor, test_ids=[cd])
    today = timezone.localdate()
    SignatoryAuthorisation.objects.create(
        institution=w.institution,
        user=w.signatory2,
        method=w.methods["cd"],
        valid_from=today - dt.timedelta(days=400),
        valid_until=today - dt.timedelta(days=1),
    )
    error = refused(review_approve, actor=w.signatory2_actor, test_ids=[cd])
    assert error.code == "not_authorised"
    SignatoryAuthorisation.objects.create(
        institution=w.institution, user=w.signatory2, method=w.methods["cd"], valid_from=today
    )
    assert [t.status for t in review_approve(actor=w.signatory2_actor, test_ids=[cd])] == ["approved"]


# --- levels -----------------------------------------------------------------------------------------------------


def test_one_level_the_signatory_approves_submitted_results_directly():
    w = lab_world()
    levels(w, 1)
    sample = received(w)
    tests = submitted(w, sample)
    ids = [tests["pb"].pk, tests["cd"].pk]
    error = refused(review_check, actor=w.reviewer_actor, test_ids=ids[:1])
    assert (error.code, error.message) == (
        "not_ready",
        f"{sample.number} 铅：本机构设为一级审核，结果由授权签字人直接批准，无需审核。",
    )
    approved = review_approve(actor=w.signatory_actor, test_ids=ids)
    assert [(t.status, t.checks_done) for t in approved] == [("approved", 0)] * 2
    assert list(ReviewStep.objects.filter(action="approve").values_list("level", flat=True)) == [1, 1]
    sample.refresh_from_db()
    assert sample.status == "ready"


def test_two_levels_approval_waits_for_the_check():
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample)
    before = state(w)
    error = refused(review_approve, actor=w.signatory_actor, test_ids=[tests["pb"].pk])
    assert (error.code, error.message) == (
        "not_ready",
        f"{sample.number} 铅 尚需 1 级审核才能批准（本机构为 1 级审核加批准，已完成 0 级）。",
    )
    assert state(w) == before
    review_check(actor=w.reviewer_actor, test_ids=[tests["pb"].pk])
    error = refused(review_check, actor=w.reviewer2_actor, test_ids=[tests["pb"].pk])
    assert error.message == f"{sample.number} 铅 已完成全部 1 级审核，等待授权签字人批准。"


def test_three_levels_need_two_different_reviewers_then_the_signatory():
    w = lab_world()
    levels(w, 3)
    sample = received(w)
    pb = submitted(w, sample, {"pb": "0.30"})["pb"].pk
    review_check(actor=w.reviewer_actor, test_ids=[pb])
    before = state(w)
    error = refused(review_check, actor=w.reviewer_actor, test_ids=[pb])
    assert (error.code, error.message) == (
        "checked_already",
        f"{sample.number} 铅：您已审核过该结果，下一级审核须由另一名审核人进行。",
    )
    error = refused(review_approve, actor=w.signatory_actor, test_ids=[pb])
    assert error.message == f"{sample.number} 铅 尚需 1 级审核才能批准（本机构为 2 级审核加批准，已完成 1 级）。"
    assert state(w) == before
    [second] = review_check(actor=w.reviewer2_actor, test_ids=[pb])
    assert (second.status, second.checks_done) == ("checked", 2)
    error = refused(review_check, actor=w.quality_actor, test_ids=[pb])
    assert error.message == f"{sample.number} 铅 已完成全部 2 级审核，等待授权签字人批准。"
    [done] = review_approve(actor=w.signatory_actor, test_ids=[pb])
    assert done.status == "approved"
    assert list(
        ReviewStep.objects.filter(test_id=pb).exclude(action="submit").values_list("action", "level", "by_id")
    ) == [
        ("check", 1, w.reviewer.pk),
        ("check", 2, w.reviewer2.pk),
        ("approve", 3, w.signatory.pk),
    ]


# --- reject -----------------------------------------------------------------------------------------------------


def test_reject_returns_to_the_analyst_with_the_reason(django_capture_on_commit_callbacks):
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample)
    pb = tests["pb"].pk
    review_check(actor=w.reviewer_actor, test_ids=[pb])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        [rejected] = review_reject(actor=w.signatory_actor, test_ids=[pb], reason="空白值偏高，请复测空白后重新计算")
    assert (rejected.status, rejected.checks_done) == ("rejected", 0)
    stored = Test.objects.get(pk=pb)
    assert (stored.status, stored.checks_done, stored.value) == ("rejected", 0, "0.48")
    step = ReviewStep.objects.get(test_id=pb, action="reject")
    assert (step.level, step.by_id, step.reason) == (2, w.signatory.pk, "空白值偏高，请复测空白后重新计算")
    event = AuditEvent.objects.get(action="test.reject")
    assert (event.reason, event.before["checks_done"], event.after["checks_done"]) == (
        "空白值偏高，请复测空白后重新计算",
        1,
        0,
    )
    [note] = Notification.objects.filter(user=w.analyst)
    assert note.title == f"检测结果被退回：{sample.number} 铅"
    assert note.body == (
        f"{w.signatory.name} 退回了以下检测结果，请复核后重新提交：{sample.number} 铅。"
        "退回原因：空白值偏高，请复测空白后重新计算"
    )
    assert [m.to for m in mail.outbox] == [[w.analyst.email]]
    # Corrected and submitted again, the result is reviewed afresh: the earlier checker may check it again.
    entry = ResultEntry(test_id=pb, value="0.46", unit="mg/kg", reason="复测空白后重新计算")
    results_record(actor=w.analyst_actor, entries=[entry])
    results_submit(actor=w.analyst_actor, test_ids=[pb])
    [again] = review_check(actor=w.reviewer_actor, test_ids=[pb])
    assert (again.status, again.checks_done) == ("checked", 1)


def test_reject_needs_a_reason_and_a_test_awaiting_review():
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample, {"pb": "0.30"})
    before = state(w)
    error = refused(review_reject, actor=w.reviewer_actor, test_ids=[tests["pb"].pk], reason="  ")
    assert error.fields == {"reason": ["请填写原因：退回、重测和撤销都须说明原因。"]}
    error = refused(review_reject, actor=w.reviewer_actor, test_ids=[tests["pb"].pk, tests["cd"].pk], reason="x")
    assert (error.code, error.fields) == (
        "review_state",
        {"test_ids.1": [f"{sample.number} 镉 当前状态为“待检”，不能退回：只有待审核的结果可以退回。"]},
    )
    assert state(w) == before
    with pytest.raises(PermissionDenied):
        review_reject(actor=w.analyst_actor, test_ids=[tests["pb"].pk], reason="x")
    assert state(w) == before


# --- retest -----------------------------------------------------------------------------------------------------


def test_retest_keeps_the_original_and_creates_a_copy_without_result():
    w = lab_world()
    sample = received(w)
    original = submitted(w, sample)["pb"]
    revisions = list(ResultRevision.objects.filter(test=original).values())
    done = review_retest(actor=w.reviewer_actor, test_id=original.pk, reason="平行样相对偏差超出方法要求")
    kept = Test.objects.get(pk=original.pk)
    assert kept.status == "retested"
    unchanged = ("value", "reported_value", "decision", "entered_by_id", "version", "checks_done", "submitted_at")
    assert all(getattr(kept, name) == getattr(original, name) for name in unchanged)
    assert list(ResultRevision.objects.filter(test=original).values()) == revisions
    copy = Test.objects.get(retest_of=original)
    assert copy.pk == done.retest.pk and done.original.pk == original.pk
    same = (
        "sample_id", "order_id", "method_id", "keyword", "parameter", "standard_id", "specification", "upper_limit",
        "decision_rule", "unit", "places", "lod", "loq", "uncertainty_kind", "uncertainty_value", "analyst_id",
        "instrument_id", "due_date",
    )  # fmt: skip
    assert all(getattr(copy, name) == getattr(original, name) for name in same)
    assert (copy.status, copy.value, copy.decision, copy.entered_by_id, copy.version) == ("pending", "", "", None, 0)
    assert (copy.analyst_id, copy.instrument_id) == (w.analyst.pk, w.icp.pk)
    step = ReviewStep.objects.get(test=original, action="retest")
    assert (step.by_id, step.reason) == (w.reviewer.pk, "平行样相对偏差超出方法要求")
    event = AuditEvent.objects.get(action="test.retest")
    assert (event.before, event.after, event.reason) == (
        {"status": "submitted"},
        {"status": "retested", "retest": copy.pk},
        "平行样相对偏差超出方法要求",
    )
    assert AuditEvent.objects.get(action="test.create").after["retest_of"] == original.pk
    sample.refresh_from_db()
    assert sample.status == "testing"
    [note] = Notification.objects.filter(user=w.analyst)
    assert note.title == f"需要重测：{sample.number} 铅"


def test_retest_needs_a_reason_and_a_result_under_review():
    w = lab_world()
    sample, tests = approved_sample(w)
    before = state(w)
    error = refused(review_retest, actor=w.reviewer_actor, test_id=tests["pb"].pk, reason="")
    assert error.fields == {"reason": ["请填写原因：退回、重测和撤销都须说明原因。"]}
    error = refused(review_retest, actor=w.reviewer_actor, test_id=tests["pb"].pk, reason="复核")
    assert error.message == f"{sample.number} 铅 当前状态为“已批准”，不能要求重测：只有待审核的结果可以要求重测。"
    error = refused(review_retest, actor=w.reviewer_actor, test_id="7", reason="复核")
    assert error.fields == {"test_id": ["检测项目编号须为正整数（现为“7”）。"]}
    assert state(w) == before


# --- retract ----------------------------------------------------------------------------------------------------


def test_retract_invalidates_with_a_reason_and_the_order_goes_back_then_completes_again():
    w = lab_world()
    first, tests = approved_sample(w, 0)
    approved_sample(w, 1)
    w.order.refresh_from_db()
    assert w.order.status == "completed"
    original = tests["pb"]
    done = review_retract(actor=w.quality_actor, test_id=original.pk, reason="标准物质证书过期，结果无效")
    kept = Test.objects.get(pk=original.pk)
    assert (kept.status, kept.approved_by_id, kept.value) == ("retracted", w.signatory.pk, original.value)
    copy = done.retest
    assert (copy.status, copy.retest_of_id, copy.analyst_id, copy.value) == ("pending", original.pk, w.analyst.pk, "")
    step = ReviewStep.objects.get(test=original, action="retract")
    assert (step.by_id, step.reason) == (w.quality.pk, "标准物质证书过期，结果无效")
    event = AuditEvent.objects.get(action="test.retract")
    assert (event.before, event.reason) == ({"status": "approved"}, "标准物质证书过期，结果无效")
    first.refresh_from_db()
    assert first.status == "testing"
    w.order.refresh_from_db()
    assert w.order.status == "in_progress"
    reopened = AuditEvent.objects.get(action="order.reopened")
    assert (reopened.before["status"], reopened.after["status"]) == ("completed", "in_progress")
    assert list(TimelineEvent.objects.filter(order=w.order).order_by("pk").values_list("kind", "text_zh"))[-1] == (
        "in_progress",
        "已批准的检测结果被撤销，恢复检测",
    )
    assert Notification.objects.filter(user=w.m.enterprise.owner, title__contains="恢复检测").count() == 1
    # The copy is redone and approved: the sample is ready and the order complete again.
    redone = submitted(w, first, {"pb": "0.31"})["pb"]
    assert redone.pk == copy.pk
    review_check(actor=w.reviewer_actor, test_ids=[copy.pk])
    review_approve(actor=w.signatory_actor, test_ids=[copy.pk])
    first.refresh_from_db()
    w.order.refresh_from_db()
    assert (first.status, w.order.status) == ("ready", "completed")


def test_a_reported_result_is_amended_not_retracted():
    w = lab_world()
    sample, tests = approved_sample(w)
    LabSample.objects.filter(pk=sample.pk).update(status="reported")
    before = state(w)
    error = refused(review_retract, actor=w.signatory_actor, test_id=tests["pb"].pk, reason="数据有误")
    assert (error.status, error.code, error.message) == (
        409,
        "reported",
        f"样品 {sample.number} 已出具报告：已报告的结果须通过修改报告（发布更正版报告）更正，不能在此撤销。",
    )
    assert state(w) == before


def test_retract_needs_an_approved_result_a_reason_and_the_policy():
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample)
    before = state(w)
    error = refused(review_retract, actor=w.quality_actor, test_id=tests["pb"].pk, reason="数据有误")
    assert error.message == f"{sample.number} 铅 当前状态为“待审核”，不能撤销：只有已批准的结果可以撤销。"
    error = refused(review_retract, actor=w.quality_actor, test_id=tests["pb"].pk, reason=None)
    assert error.fields == {"reason": ["请填写原因：退回、重测和撤销都须说明原因。"]}
    error = refused(review_retract, actor=w.quality_actor, test_id=tests["pb"].pk, reason="长" * 1001)
    assert error.fields == {"reason": ["原因最多 1000 个字符（现为 1001 个）。"]}
    with pytest.raises(PermissionDenied):
        review_retract(actor=w.reviewer_actor, test_id=tests["pb"].pk, reason="数据有误")
    assert state(w) == before


# --- input, tenancy, policies -----------------------------------------------------------------------------------


def test_bad_test_ids_are_named():
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample)
    before = state(w)
    assert refused(review_check, actor=w.reviewer_actor, test_ids=[]).fields == {
        "test_ids": ["请至少选择一个检测项目。"]
    }
    assert refused(review_check, actor=w.reviewer_actor, test_ids="12").fields == {
        "test_ids": ["请至少选择一个检测项目。"]
    }
    assert refused(review_check, actor=w.reviewer_actor, test_ids=[tests["pb"].pk, "x", True, 0]).fields == {
        "test_ids.1": ["检测项目编号须为正整数（现为“x”）。"],
        "test_ids.2": ["检测项目编号须为正整数（现为“True”）。"],
        "test_ids.3": ["检测项目编号须为正整数（现为“0”）。"],
    }
    assert refused(review_check, actor=w.reviewer_actor, test_ids=list(range(1, 502))).fields == {
        "test_ids": ["一次最多处理 500 个检测项目（现为 501 个）。"]
    }
    assert refused(review_check, actor=w.reviewer_actor, test_ids=[tests["pb"].pk], note=5).fields == {
        "note": ["审核意见须为文本。"]
    }
    assert state(w) == before


def test_another_institutions_tests_are_not_found_and_the_batch_is_all_or_nothing():
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample)
    lab2 = w.m.lab2.org
    outsider = actor_of(lab2, member(lab2, Role.REVIEWER), Role.REVIEWER)
    before = state(w)
    for call, kwargs in [
        (review_check, {"test_ids": [tests["pb"].pk]}),
        (review_reject, {"test_ids": [tests["pb"].pk], "reason": "x"}),
        (review_retest, {"test_id": tests["pb"].pk, "reason": "x"}),
    ]:
        with pytest.raises(NotFound) as exc:
            call(actor=outsider, **kwargs)
        assert exc.value.message == "检测项目不存在，或不属于本机构。"
    with pytest.raises(NotFound):
        review_check(actor=w.reviewer_actor, test_ids=[tests["pb"].pk, 999999])
    assert state(w) == before


def test_policies():
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample)
    ids = [tests["pb"].pk]
    before = state(w)
    for actor, call in [
        (w.analyst_actor, review_check),
        (w.signatory_actor, review_check),
        (w.reviewer_actor, review_approve),
        (w.reception_actor, review_approve),
    ]:
        with pytest.raises(PermissionDenied):
            call(actor=actor, test_ids=ids)
    with pytest.raises(PermissionDenied):
        review_retest(actor=w.signatory_actor, test_id=ids[0], reason="x")
    assert state(w) == before
    # A signatory may reject (returning a result is part of approving).
    assert [t.status for t in review_reject(actor=w.signatory_actor, test_ids=ids, reason="单位有误")] == ["rejected"]
