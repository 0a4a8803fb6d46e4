"""Issuing a report (report_services.report_issue): what is signed, stored and announced, every refusal with its
field or rule and nothing changed (no number used, no file stored), and two issues of one sample at once."""

import datetime as dt
import hashlib
import threading

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from tests.lims.review_world import submitted
from tests.lims.world import actor_of, received
from tichub.accounts.choices import Role
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent, Notification, NumberSequence
from tichub.core.testing.factories import member
from tichub.lims.models import LabSample, Test
from tichub.marketplace.models import TimelineEvent
from tichub.reports.choices import ReportStatus
from tichub.reports.content_selectors import content_sha256
from tichub.reports.models import Report
from tichub.reports.report_services import report_issue
from tichub.trust import key_services
from tichub.trust.models import SigningKey
from tichub.trust.verify import verify_qr

from .pages_world import empty_storage, number, snapshot, stored_files, trust_list
from .world import approve_all, issued, ready_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_storage")]
__all__ = ["empty_storage"]
TODAY = timezone.localdate()


def test_issue_signs_stores_and_announces_version_1(django_capture_on_commit_callbacks):
    w, sample = ready_world()
    key = SigningKey.objects.get(organisation=w.institution, status="active")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report = issued(w, sample)
    stored = Report.objects.get()
    assert stored.pk == report.pk
    assert (
        stored.number, stored.version, stored.status, stored.amends_id, stored.amendment_reason, stored.institution_id,
        stored.enterprise_id, stored.order_id, stored.sample_id, stored.issued_by_id, stored.valid_until,
        stored.product, stored.conclusion, stored.summary_public, stored.kid, stored.pdf_kid,
        stored.verification_count, stored.withdrawn_at,
    ) == (
        number(1), 1, ReportStatus.ISSUED, None, "", w.institution.pk, w.enterprise.pk, w.order.pk, sample.pk,
        w.signatory.pk, None, "一级白砂糖，袋装", "conditional_pass", True, key.kid, key.kid, 0, None,
    )  # fmt: skip
    assert len(stored.public_id) == 26
    pdf = stored.pdf.read()
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == stored.sha256
    assert stored.pdf.name == f"reports/{TODAY:%Y/%m}/{number(1)}-v1.pdf"
    assert stored_files() == [stored.pdf.name]
    assert content_sha256(stored.content) == stored.content_sha256
    content = stored.content
    assert (content["number"], content["version"], content["amends"], content["public_id"]) == (
        number(1), 1, None, stored.public_id,
    )  # fmt: skip
    assert content["verify_url"] == f"{settings.SITE_URL.rstrip('/')}/verify/{stored.public_id}/"
    assert [(r["parameter"], r["result_zh"], r["unit"], r["decision"]) for r in content["results"]] == [
        ("铅", "0.480", "mg/kg", "conditional_pass"),
        ("镉", "0.05000", "mg/kg", "pass"),
    ]
    verdict = verify_qr(stored.qr_text, trust_list(), timezone.now())
    assert verdict.status == "genuine"
    assert {name: verdict.claims[name] for name in ("iss", "no", "v", "date", "prod", "concl", "sha", "id")} == {
        "iss": w.institution.pk, "no": number(1), "v": 1, "date": TODAY.isoformat(), "prod": "一级白砂糖，袋装",
        "concl": "conditional_pass", "sha": stored.content_sha256, "id": stored.public_id,
    }  # fmt: skip
    assert "exp" not in verdict.claims
    assert LabSample.objects.get(pk=sample.pk).status == "reported"
    event = AuditEvent.objects.get(action="report.issue")
    assert (event.object_id, event.before, event.after, event.reason) == (
        str(stored.pk), None, {"number": number(1), "version": 1, "sha256": stored.sha256, "kid": key.kid}, "",
    )  # fmt: skip
    entry = TimelineEvent.objects.get(order=w.order, kind="report.issued")
    assert (entry.text_zh, entry.text_en, entry.actor_id) == (
        f"检测报告 {number(1)} 已签发，可下载并分享。",
        f"Test report {number(1)} has been issued: download or share it.",
        w.signatory.pk,
    )
    people = sorted([w.m.enterprise.owner.email, w.m.enterprise.member.email])
    notes = Notification.objects.filter(url=f"/reports/{stored.pk}/").order_by("user__email")
    assert [(n.user.email, n.organisation_id, n.title) for n in notes] == [
        (email, w.enterprise.pk, f"检测报告 {number(1)} 已签发，可下载并分享。") for email in people
    ]
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        (email, f"TICHub：检测报告 {number(1)} 已签发，可下载并分享。") for email in people
    ]


def test_claim_validity_is_signed_as_exp():
    w, sample = ready_world()
    until = TODAY + dt.timedelta(days=365)
    report = issued(w, sample, valid_until=until)
    assert (report.valid_until, report.content["valid_until"]) == (until, until.isoformat())
    verdict = verify_qr(report.qr_text, trust_list(), timezone.now())
    assert verdict.status == "genuine"
    assert timezone.localtime(verdict.expires_at).date() == until
    assert verify_qr(report.qr_text, trust_list(), timezone.now() + dt.timedelta(days=367)).status == "expired"


def _refused(kind, call):
    with pytest.raises(kind) as caught:
        call()
    return caught.value


def test_refusals_name_the_field_or_rule_and_change_nothing():
    w, sample = ready_world()
    before = snapshot()
    lab2 = w.m.lab2.org
    lab2_signatory = actor_of(lab2, member(lab2, Role.AUTHORIZED_SIGNATORY), Role.AUTHORIZED_SIGNATORY)

    def issue(actor=None, **kwargs):
        return lambda: report_issue(actor=actor or w.signatory_actor, sample_id=sample.pk, **kwargs)

    _refused(PermissionDenied, issue(w.owner_actor))  # the enterprise
    _refused(PermissionDenied, issue(w.analyst_actor))
    _refused(PermissionDenied, issue(w.quality_actor))
    assert _refused(NotFound, issue(lab2_signatory)).message == "没有找到该样品。"
    scope = _refused(Conflict, issue(w.signatory2_actor))
    assert (scope.status, scope.code, scope.message) == (
        409, "report_signatory_scope", "您的签字授权不包括以下项目的方法，不能签发此报告：铅、镉",
    )  # fmt: skip
    for day in (TODAY, TODAY - dt.timedelta(days=1)):
        error = _refused(ServiceError, issue(valid_until=day))
        assert (error.status, error.fields) == (400, {"valid_until": ["声明有效期须晚于签发日期。"]})
    error = _refused(ServiceError, issue(reason="x" * 2001))
    assert (error.status, error.fields) == (400, {"reason": ["原因不能超过 2000 个字符。"]})
    error = _refused(ServiceError, issue(expected_version=-1))
    assert (error.status, error.fields) == (400, {"expected_version": ["版本号不能为负数。"]})
    not_current = _refused(Conflict, issue(reason="客户名称更正"))
    message = "该样品没有有效的报告可更正（已撤回的报告不能更正）：将出具使用新编号的新报告，请勿填写更正原因。"
    assert (not_current.code, not_current.fields) == ("report_not_current", {"reason": [message]})
    changed = _refused(Conflict, issue(expected_version=1))
    assert (changed.code, changed.message) == (
        "report_changed",
        "该样品当前没有有效报告（可能已被撤回）。请刷新后再操作。",
    )
    assert snapshot() == before
    report = issued(w, sample, expected_version=0)
    assert (report.number, report.version) == (number(1), 1)


def test_a_sample_not_all_approved_or_without_tests_is_refused():
    w, _first = ready_world()
    sample = received(w, 1)
    tests = submitted(w, sample)
    before = snapshot()
    refused = _refused(Conflict, lambda: report_issue(actor=w.signatory_actor, sample_id=sample.pk))
    assert (refused.code, refused.message) == (
        "report_not_ready", f"以下项目尚未批准，不能出具报告：{sample.number} 铅、{sample.number} 镉",
    )  # fmt: skip
    Test.objects.filter(pk__in=[t.pk for t in tests.values()]).delete()
    refused = _refused(Conflict, lambda: report_issue(actor=w.signatory_actor, sample_id=sample.pk))
    assert (refused.code, refused.message) == ("report_empty", f"样品 {sample.number} 没有检测项目，不能出具报告。")
    assert snapshot() == before


def test_a_subsample_is_refused():
    w, parent = ready_world()
    part = LabSample.objects.create(
        institution=w.institution, enterprise=w.enterprise, order=w.order, parent=parent, number=f"{parent.number}-1",
        description="分样", quantity="100 g", received_at=parent.received_at, received_by=w.reception,
        retention_until=parent.retention_until, status="ready",
    )  # fmt: skip
    before = snapshot()
    refused = _refused(Conflict, lambda: report_issue(actor=w.signatory_actor, sample_id=part.pk))
    assert (refused.status, refused.code, refused.message) == (
        409, "report_subsample", f"{part.number} 是分样：报告按母样出具，分样的结果写入母样的报告。",
    )  # fmt: skip
    assert snapshot() == before


def test_without_a_signing_key_nothing_is_written_and_no_number_is_used():
    w, sample = ready_world()
    key = SigningKey.objects.get(organisation=w.institution, status="active")
    key_services.key_revoke(actor=w.admin_actor, key_id=key.pk, reason="私钥可能泄露")
    before = snapshot()
    refused = _refused(Conflict, lambda: report_issue(actor=w.signatory_actor, sample_id=sample.pk))
    assert (refused.status, refused.code) == (409, "no_signing_key")
    assert snapshot() == before
    assert not NumberSequence.objects.filter(kind="report").exists()
    key_services.key_issue(actor=w.admin_actor)
    assert issued(w, sample).number == number(1)


def test_a_failed_save_leaves_no_file_behind():
    """A number handed out twice (a numbering rule reset by hand) collides at the insert: the report is refused
    and its already-signed PDF is not left in storage."""
    w, first = ready_world()
    issued(w, first)
    second = received(w, 1)
    approve_all(w, second)
    NumberSequence.objects.filter(kind="report").update(last=0)
    before = snapshot()
    refused = _refused(Conflict, lambda: report_issue(actor=w.signatory_actor, sample_id=second.pk))
    assert (refused.status, refused.code) == (409, "report_concurrent")
    assert snapshot() == before
    assert stored_files() == [f"reports/{TODAY:%Y/%m}/{number(1)}-v1.pdf"]


def test_withdrawn_report_is_followed_by_a_new_number():
    w, sample = ready_world()
    first = issued(w, sample)
    from tichub.reports.report_services import report_withdraw

    report_withdraw(actor=w.quality_actor, report_id=first.pk, reason="样品标识有误")
    assert LabSample.objects.get(pk=sample.pk).status == "ready"
    again = issued(w, sample, expected_version=0)
    assert (again.number, again.version, again.amends_id, again.amendment_reason) == (number(2), 1, None, "")
    first.refresh_from_db()
    assert first.status == ReportStatus.WITHDRAWN
    assert LabSample.objects.get(pk=sample.pk).status == "reported"


@pytest.mark.django_db(transaction=True)
def test_two_issues_of_one_sample_at_once_give_one_report():
    """Two signatories press "issue" together: the sample's row lock (PostgreSQL) or SQLite's IMMEDIATE write lock
    queues the second, which then meets the first's report (report_one_current_version is the last guard)."""
    w, sample = ready_world()
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def run(index):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = report_issue(actor=w.signatory_actor, sample_id=sample.pk, expected_version=0)
        except BaseException as exc:  # asserted below
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    reports = [o for o in outcomes if isinstance(o, Report)]
    refusals = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(reports), len(refusals)) == (1, 1), outcomes
    assert refusals[0].code in ("report_changed", "report_concurrent")
    assert list(Report.objects.values_list("number", "version", "status")) == [(number(1), 1, "issued")]
    assert stored_files() == [f"reports/{TODAY:%Y/%m}/{number(1)}-v1.pdf"]
    assert AuditEvent.objects.filter(action="report.issue").count() == 1
