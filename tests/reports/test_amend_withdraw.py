"""After issue: amendments (ISO/IEC 17025 7.8.8.2), reopening a reported sample to correct its results, withdrawal,
and the enterprise's choice of what the verification page shows. Exact values; every refusal changes nothing."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tests.lims.world import actor_of, sample_tests
from tichub.accounts.choices import Role
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent, Notification
from tichub.core.testing.factories import member
from tichub.lims.models import LabSample
from tichub.lims.result_services import ResultEntry, results_record, results_submit
from tichub.lims.review_services import review_approve, review_check, review_retract
from tichub.marketplace.models import TimelineEvent
from tichub.reports.choices import ReportStatus
from tichub.reports.models import Report
from tichub.reports.report_services import (
    report_correction_open,
    report_issue,
    report_summary_set,
    report_withdraw,
)
from tichub.trust.verify import verify_qr

from .pages_world import empty_storage, number, snapshot, stored_files, trust_list
from .world import issued, ready_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_storage")]
__all__ = ["empty_storage"]
TODAY = timezone.localdate()


def _refused(kind, call):
    with pytest.raises(kind) as caught:
        call()
    return caught.value


def _status(sample) -> str:
    return LabSample.objects.get(pk=sample.pk).status


def test_amendment_supersedes_the_current_version_and_names_it(django_capture_on_commit_callbacks):
    w, sample = ready_world()
    first = issued(w, sample)
    report_summary_set(actor=w.owner_actor, report_id=first.pk, public=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        second = issued(w, sample, reason="委托方名称更正", expected_version=1)
    first.refresh_from_db()
    assert (first.status, first.amendment_reason) == (ReportStatus.SUPERSEDED, "")
    assert (
        second.number, second.version, second.amends_id, second.amendment_reason, second.status,
        second.summary_public, str(second),
    ) == (number(1), 2, first.pk, "委托方名称更正", ReportStatus.ISSUED, False, f"{number(1)} v2")  # fmt: skip
    assert second.public_id != first.public_id
    assert second.content["amends"] == {"number": number(1), "version": 1, "public_id": first.public_id}
    assert second.content["amendment_reason"] == "委托方名称更正"
    assert sorted(stored_files()) == sorted([first.pdf.name, second.pdf.name])
    assert second.pdf.name.endswith(f"{number(1)}-v2.pdf")
    verdict = verify_qr(second.qr_text, trust_list(), timezone.now())
    assert (verdict.status, verdict.claims["no"], verdict.claims["v"]) == ("genuine", number(1), 2)
    event = AuditEvent.objects.get(action="report.amend")
    assert (event.object_id, event.before, event.reason) == (
        str(second.pk), {"amends": first.pk, "status": "issued"}, "委托方名称更正",
    )  # fmt: skip
    assert event.after == {"number": number(1), "version": 2, "sha256": second.sha256, "kid": second.kid}
    entry = TimelineEvent.objects.get(kind="report.amended")
    assert (entry.text_zh, entry.text_en) == (
        f"报告 {number(1)} 已发布第 1 次更正（替代第 1 版）。原因：委托方名称更正",
        f"Amendment 1 to report {number(1)} has been issued (it replaces version 1). Reason: 委托方名称更正",
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([w.m.enterprise.owner.email, w.m.enterprise.member.email])
    assert {m.subject for m in mail.outbox} == {f"TICHub：{entry.text_zh}"}
    assert LabSample.objects.get(pk=sample.pk).status == "reported"


def test_amendment_refusals_change_nothing():
    w, sample = ready_world()
    first = issued(w, sample)
    before = snapshot()
    missing = _refused(ServiceError, lambda: report_issue(actor=w.signatory_actor, sample_id=sample.pk))
    assert (missing.status, missing.fields) == (
        400, {"reason": [f"样品已有有效报告 {number(1)}：本次签发为更正版，须填写更正原因。"]},
    )  # fmt: skip
    stale = _refused(
        Conflict,
        lambda: report_issue(actor=w.signatory_actor, sample_id=sample.pk, reason="更正", expected_version=0),
    )
    assert (stale.code, stale.message) == (
        "report_changed",
        "该样品的报告已有变化：当前有效版本为第 1 版。请刷新后再操作。",
    )
    scope = _refused(
        Conflict, lambda: report_issue(actor=w.signatory2_actor, sample_id=sample.pk, reason="委托方名称更正")
    )
    assert scope.code == "report_signatory_scope"
    assert snapshot() == before
    first.refresh_from_db()
    assert first.status == ReportStatus.ISSUED


def test_correcting_results_retract_retest_approve_amend():
    """The whole path: a reported result is wrong → open the correction → retract lead in the LIMS → new result →
    check → approve → amendment: version 2 shows the new value, version 1 is superseded and still verifies."""
    w, sample = ready_world()
    first = issued(w, sample)
    lead = sample_tests(sample)["pb"]
    refused = _refused(Conflict, lambda: review_retract(actor=w.signatory_actor, test_id=lead.pk, reason="x"))
    assert refused.code == "reported"
    before = snapshot()
    for actor, kind in ((w.analyst_actor, PermissionDenied), (w.owner_actor, PermissionDenied)):
        _refused(kind, lambda actor=actor: report_correction_open(actor=actor, report_id=first.pk, reason="标样过期"))
    empty = _refused(
        ServiceError, lambda: report_correction_open(actor=w.signatory_actor, report_id=first.pk, reason=" ")
    )
    assert empty.fields == {"reason": ["请填写原因。"]}
    assert snapshot() == before

    opened = report_correction_open(actor=w.signatory_actor, report_id=first.pk, reason="铅的标准物质已过期，需重测")
    assert (opened.pk, opened.status) == (first.pk, ReportStatus.ISSUED)
    assert _status(sample) == "ready"
    event = AuditEvent.objects.get(action="report.correction_open")
    assert (event.object_id, event.before, event.after, event.reason) == (
        str(first.pk), {"sample": sample.pk, "sample_status": "reported"},
        {"sample": sample.pk, "sample_status": "ready"}, "铅的标准物质已过期，需重测",
    )  # fmt: skip
    again = _refused(Conflict, lambda: report_correction_open(actor=w.signatory_actor, report_id=first.pk, reason="x"))
    assert (again.code, again.message) == (
        "report_correction_open", f"报告 {number(1)} 的样品已退回实验室更正（样品状态：待出报告），无需再次开启。",
    )  # fmt: skip
    # The report stays current while the laboratory corrects the results.
    assert verify_qr(first.qr_text, trust_list(), timezone.now()).status == "genuine"
    retest = review_retract(actor=w.signatory_actor, test_id=lead.pk, reason="铅的标准物质已过期").retest
    assert _status(sample) == "testing"
    not_ready = _refused(
        Conflict, lambda: report_issue(actor=w.signatory_actor, sample_id=sample.pk, reason="铅结果更正")
    )
    assert (not_ready.code, not_ready.message) == (
        "report_not_ready", f"以下项目尚未批准，不能出具报告：{sample.number} 铅",
    )  # fmt: skip
    results_record(actor=w.analyst_actor, entries=[ResultEntry(test_id=retest.pk, value="0.30", unit="mg/kg")])
    results_submit(actor=w.analyst_actor, test_ids=[retest.pk])
    review_check(actor=w.reviewer_actor, test_ids=[retest.pk])
    review_approve(actor=w.signatory_actor, test_ids=[retest.pk])
    assert _status(sample) == "ready"

    second = issued(w, sample, reason="铅结果更正：标准物质过期后重测", expected_version=1)
    first.refresh_from_db()
    assert (first.status, second.version, second.amends_id, second.number) == (
        ReportStatus.SUPERSEDED, 2, first.pk, number(1),
    )  # fmt: skip
    rows = lambda report: {r["parameter"]: (r["result_zh"], r["decision"]) for r in report.content["results"]}  # noqa: E731
    assert rows(first) == {"铅": ("0.480", "conditional_pass"), "镉": ("0.05000", "pass")}
    assert rows(second) == {"铅": ("0.300", "pass"), "镉": ("0.05000", "pass")}
    assert (first.conclusion, second.conclusion) == ("conditional_pass", "pass")
    assert _status(sample) == "reported"
    superseded = _refused(
        Conflict, lambda: report_correction_open(actor=w.signatory_actor, report_id=first.pk, reason="x")
    )
    assert (superseded.code, superseded.message) == (
        "report_state", f"报告 {number(1)} 当前状态为“已被更正版替代”，只有有效的报告可以更正。",
    )  # fmt: skip


def test_withdrawal(django_capture_on_commit_callbacks):
    w, sample = ready_world()
    first = issued(w, sample)
    second = issued(w, sample, reason="委托方名称更正")
    before = snapshot()
    lab2 = w.m.lab2.org
    lab2_quality = actor_of(lab2, member(lab2, Role.QUALITY_MANAGER), Role.QUALITY_MANAGER)
    for actor in (w.owner_actor, w.analyst_actor, w.reviewer_actor):
        _refused(PermissionDenied, lambda actor=actor: report_withdraw(actor=actor, report_id=second.pk, reason="x"))
    _refused(NotFound, lambda: report_withdraw(actor=lab2_quality, report_id=second.pk, reason="x"))
    empty = _refused(ServiceError, lambda: report_withdraw(actor=w.quality_actor, report_id=second.pk, reason=""))
    assert (empty.status, empty.fields) == (400, {"reason": ["请填写原因。"]})
    superseded = _refused(Conflict, lambda: report_withdraw(actor=w.quality_actor, report_id=first.pk, reason="x"))
    assert (superseded.status, superseded.code, superseded.message) == (
        409, "report_state", f"报告 {number(1)} 当前状态为“已被更正版替代”，只有有效的报告可以撤回。",
    )  # fmt: skip
    assert snapshot() == before

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = report_withdraw(actor=w.quality_actor, report_id=second.pk, reason="样品非委托方所送，报告无效")
    stored = Report.objects.get(pk=second.pk)
    assert (stored.status, stored.withdrawn_by_id, stored.withdrawal_reason, done.pk) == (
        ReportStatus.WITHDRAWN, w.quality.pk, "样品非委托方所送，报告无效", second.pk,
    )  # fmt: skip
    assert stored.withdrawn_at is not None
    first.refresh_from_db()
    assert first.status == ReportStatus.SUPERSEDED
    assert _status(sample) == "ready"
    event = AuditEvent.objects.get(action="report.withdraw")
    assert (event.object_id, event.before, event.after, event.reason) == (
        str(second.pk), {"status": "issued"}, {"status": "withdrawn"}, "样品非委托方所送，报告无效",
    )  # fmt: skip
    entry = TimelineEvent.objects.get(kind="report.withdrawn")
    assert (entry.text_zh, entry.text_en) == (
        f"报告 {number(1)} v2 已撤回。原因：样品非委托方所送，报告无效",
        f"Report {number(1)} v2 has been withdrawn. Reason: 样品非委托方所送，报告无效",
    )
    assert Notification.objects.filter(title=entry.text_zh, url=f"/reports/{second.pk}/").count() == 2
    assert len(mail.outbox) == 2
    before = snapshot()
    again = _refused(Conflict, lambda: report_withdraw(actor=w.signatory_actor, report_id=second.pk, reason="x"))
    assert (again.code, again.message) == (
        "report_state", f"报告 {number(1)} v2 当前状态为“已撤回”，只有有效的报告可以撤回。",
    )  # fmt: skip
    # A withdrawn report is not amended: the sample gets a new report under a new number.
    not_current = _refused(
        Conflict, lambda: report_issue(actor=w.signatory_actor, sample_id=sample.pk, reason="再次更正")
    )
    assert not_current.code == "report_not_current"
    assert snapshot() == before
    fresh = issued(w, sample)
    assert (fresh.number, fresh.version, fresh.amends_id) == (number(2), 1, None)


def test_subsamples_are_reported_and_reopened_with_their_parent():
    w, sample = ready_world()
    part = LabSample.objects.create(
        institution=w.institution, enterprise=w.enterprise, order=w.order, parent=sample, number=f"{sample.number}-1",
        description="分样", quantity="100 g", received_at=sample.received_at, received_by=w.reception,
        retention_until=sample.retention_until, status="ready",
    )  # fmt: skip
    report = issued(w, sample)
    assert (_status(sample), _status(part)) == ("reported", "reported")
    report_correction_open(actor=w.signatory_actor, report_id=report.pk, reason="分样结果复核")
    assert (_status(sample), _status(part)) == ("ready", "ready")
    issued(w, sample, reason="分样结果复核后更正")
    report_withdraw(actor=w.signatory_actor, report_id=Report.objects.get(status="issued").pk, reason="撤回")
    assert (_status(sample), _status(part)) == ("ready", "ready")


def test_the_enterprise_chooses_what_the_verification_page_shows():
    w, sample = ready_world()
    report = issued(w, sample)
    other = actor_of(w.m.outsider.org, w.m.outsider.owner, Role.ENTERPRISE_OWNER)
    before = snapshot()
    for actor in (w.signatory_actor, w.admin_actor):
        _refused(
            PermissionDenied, lambda actor=actor: report_summary_set(actor=actor, report_id=report.pk, public=False)
        )
    _refused(NotFound, lambda: report_summary_set(actor=other, report_id=report.pk, public=False))
    assert report_summary_set(actor=w.owner_actor, report_id=report.pk, public=True).summary_public is True
    assert snapshot() == before  # unchanged value: no event either
    hidden = report_summary_set(actor=w.m.member_actor, report_id=report.pk, public=False)
    assert (hidden.summary_public, Report.objects.get(pk=report.pk).summary_public) == (False, False)
    event = AuditEvent.objects.get(action="report.summary")
    assert (event.object_id, event.before, event.after, event.organisation_id) == (
        str(report.pk), {"summary_public": True}, {"summary_public": False}, w.enterprise.pk,
    )  # fmt: skip
