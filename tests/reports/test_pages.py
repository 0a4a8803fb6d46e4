"""The report pages: the list of both parties (filters, counts, query budget), one report (status, versions,
actions by role, the enterprise's summary choice), issuing and amending through the page, the draft preview, and
the reports box of the laboratory's sample review page. Refusals answer their status and change nothing."""

import datetime as dt
import shutil
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.lims.review_world import submitted
from tests.lims.world import received
from tichub.accounts.choices import Role
from tichub.core.testing.factories import member
from tichub.core.testing.permissions import signed_in
from tichub.registry.models import Accreditation
from tichub.reports.models import Report
from tichub.reports.report_services import report_correction_open, report_withdraw
from tichub.trust import key_services
from tichub.trust.models import SigningKey

from .pages_world import client_for, empty_storage, enterprise_client, number, snapshot
from .world import issued, ready_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_storage")]
__all__ = ["empty_storage"]
LIST = "/reports/"


def _html(response) -> str:
    return response.content.decode()


def _detail(report) -> str:
    return f"/reports/{report.pk}/"


def _issue(sample) -> str:
    return f"/reports/issue/{sample.pk}/"


# --- list -----------------------------------------------------------------------------------------------------------


def test_the_institution_lists_its_reports_with_verification_counts():
    w, sample = ready_world()
    first = issued(w, sample)
    second = issued(w, sample, reason="委托方名称更正")
    seen = timezone.make_aware(dt.datetime(2026, 11, 20, 9, 30))
    Report.objects.filter(pk=second.pk).update(verification_count=7, last_verified_at=seen)
    client = client_for(w, "analyst")
    response = client.get(LIST)
    assert response.status_code == 200
    html = _html(response)
    assert f'id="report-{first.pk}"' in html and f'id="report-{second.pk}"' in html
    assert "核验次数" in html and '<td class="nowrap">7</td>' in html and "2026-11-20 09:30" in html
    assert "第 2 版（更正 1）" in html and "已被更正版替代" in html and "有条件合格" in html
    assert sample.number in html and w.enterprise.name_zh in html
    assert "共 2 份报告版本" in html
    superseded = _html(client.get(LIST, {"status": "superseded"}))
    assert f'id="report-{first.pk}"' in superseded and f'id="report-{second.pk}"' not in superseded
    assert f'id="report-{second.pk}"' in _html(client.get(LIST, {"q": sample.number, "status": "issued"}))
    assert "没有相符的报告。" in _html(client.get(LIST, {"q": "无此报告"}))
    bad = client.get(LIST, {"status": "lost"})
    assert bad.status_code == 400 and f'id="report-{first.pk}"' in _html(bad)


def test_the_enterprise_lists_the_reports_it_received_and_nobody_else_sees_them():
    w, sample = ready_world()
    report = issued(w, sample)
    html = _html(enterprise_client(w, "member").get(LIST))
    assert f'id="report-{report.pk}"' in html and w.institution.name_zh in html
    assert "核验次数" not in html and sample.number not in html  # the laboratory's sample number is internal
    outsider = signed_in(w.m.outsider.owner, w.m.outsider.org)
    assert report.number not in _html(outsider.get(LIST))
    other_lab = signed_in(w.m.lab2.admin, w.m.lab2.org)
    assert report.number not in _html(other_lab.get(LIST))


def test_list_queries_do_not_grow_with_reports():
    w, sample = ready_world()
    issued(w, sample)
    institution, enterprise = client_for(w, "signatory"), enterprise_client(w)
    institution.get(LIST), enterprise.get(LIST)  # warm up (caches of the first request)
    with CaptureQueriesContext(connection) as few_lab:
        assert institution.get(LIST).status_code == 200
    with CaptureQueriesContext(connection) as few_ent:
        assert enterprise.get(LIST).status_code == 200
    for n in range(5):
        issued(w, sample, reason=f"第 {n + 1} 次更正")
    with CaptureQueriesContext(connection) as many_lab:
        html = _html(institution.get(LIST))
    with CaptureQueriesContext(connection) as many_ent:
        assert enterprise.get(LIST).status_code == 200
    assert "共 6 份报告版本" in html
    assert (len(many_lab), len(many_ent)) == (len(few_lab), len(few_ent))


# --- one report -----------------------------------------------------------------------------------------------------


def test_the_institution_sees_status_versions_count_and_its_actions():
    w, sample = ready_world()
    first = issued(w, sample)
    second = issued(w, sample, reason="委托方名称更正")
    Report.objects.filter(pk=second.pk).update(verification_count=3)
    response = client_for(w, "signatory").get(_detail(second))
    assert response.status_code == 200
    html = _html(response)
    assert (
        second.number in html and "第 2 版（更正 1）" in html and '<span class="std-status current">有效</span>' in html
    )
    assert 'id="verification-count">3' in html
    assert f'href="/reports/{first.pk}/"' in html and "更正原因：委托方名称更正" in html
    assert f'href="/reports/issue/{sample.pk}/" id="amend"' in html
    assert f'action="/reports/{second.pk}/correction/"' in html and f'action="/reports/{second.pk}/withdraw/"' in html
    assert f'action="/reports/{second.pk}/summary/"' not in html
    assert f"/verify/{second.public_id}/" in html and second.sha256 in html
    assert f'href="/reports/{second.pk}/pdf/" id="download"' in html and 'id="shares"' not in html
    old = _html(client_for(w, "signatory").get(_detail(first)))
    assert 'id="superseded"' in old and f'<a href="/reports/{second.pk}/">查看第 2 版</a>' in old
    assert f'action="/reports/{first.pk}/withdraw/"' not in old and 'id="amend"' not in old
    # The quality manager may withdraw, not amend; the analyst only reads.
    quality = _html(client_for(w, "quality").get(_detail(second)))
    assert f'action="/reports/{second.pk}/withdraw/"' in quality and 'id="amend"' not in quality
    analyst = _html(client_for(w, "analyst").get(_detail(second)))
    assert "/withdraw/" not in analyst and "/correction/" not in analyst and 'id="amend"' not in analyst


def test_the_enterprise_sees_the_summary_choice_but_no_internal_data():
    w, sample = ready_world()
    report = issued(w, sample)
    html = _html(enterprise_client(w).get(_detail(report)))
    assert report.number in html and w.institution.name_zh in html and "一级白砂糖，袋装" in html
    assert f'action="/reports/{report.pk}/summary/"' in html and 'name="public" value="0"' in html
    assert 'id="verification-count"' not in html and "/withdraw/" not in html and "/correction/" not in html
    assert sample.number not in html and "/lab/" not in html
    assert f'href="/reports/{report.pk}/pdf/" id="download"' in html
    assert 'id="shares"' in html and f'action="/reports/{report.pk}/shares/"' in html
    assert signed_in(w.m.outsider.owner, w.m.outsider.org).get(_detail(report)).status_code == 404
    assert signed_in(w.m.lab2.admin, w.m.lab2.org).get(_detail(report)).status_code == 404


def test_withdraw_through_the_page():
    w, sample = ready_world()
    report = issued(w, sample)
    url = f"/reports/{report.pk}/withdraw/"
    before = snapshot()
    assert client_for(w, "analyst").post(url, {"withdraw-reason": "x"}).status_code == 403
    assert enterprise_client(w).post(url, {"withdraw-reason": "x"}).status_code == 403
    assert signed_in(w.m.lab2.quality, w.m.lab2.org).post(url, {"withdraw-reason": "x"}).status_code == 404
    client = client_for(w, "quality")
    empty = client.post(url, {"withdraw-reason": ""})
    assert empty.status_code == 400 and 'id="id_withdraw-reason_error"' in _html(empty)
    assert '<details open id="withdraw">' in _html(empty)
    assert snapshot() == before
    done = client.post(url, {"withdraw-reason": "样品标识有误"})
    assert (done.status_code, done["Location"]) == (302, _detail(report))
    html = _html(client.get(done["Location"]))
    assert f"已撤回报告 {report.number}，已通知委托方。" in html and 'id="withdrawn"' in html
    assert "撤回原因：样品标识有误" in html and f'href="/reports/issue/{sample.pk}/"' not in html  # quality ≠ signatory
    assert f'href="/reports/issue/{sample.pk}/"' in _html(client_for(w, "signatory").get(_detail(report)))
    before = snapshot()
    again = client.post(url, {"withdraw-reason": "再次撤回"})
    assert again.status_code == 409 and "只有有效的报告可以撤回" in _html(again)
    assert snapshot() == before


def test_open_a_correction_through_the_page():
    w, sample = ready_world()
    report = issued(w, sample)
    url = f"/reports/{report.pk}/correction/"
    assert client_for(w, "quality").post(url, {"correction-reason": "x"}).status_code == 403
    client = client_for(w, "signatory")
    done = client.post(url, {"correction-reason": "铅的标准物质已过期"})
    assert (done.status_code, done["Location"]) == (302, _detail(report))
    html = _html(client.get(done["Location"]))
    assert f"样品 {sample.number} 已退回实验室更正" in html and 'id="correction-open"' in html
    assert f'action="{url}"' not in html
    before = snapshot()
    again = client.post(url, {"correction-reason": "再次"})
    assert again.status_code == 409 and "无需再次开启" in _html(again)
    assert snapshot() == before


def test_the_enterprise_hides_and_shows_the_summary():
    w, sample = ready_world()
    report = issued(w, sample)
    url = f"/reports/{report.pk}/summary/"
    before = snapshot()
    assert client_for(w, "signatory").post(url, {"public": "0"}).status_code == 403
    bad = enterprise_client(w).post(url, {"public": "maybe"})
    assert bad.status_code == 400
    assert signed_in(w.m.outsider.owner, w.m.outsider.org).post(url, {"public": "0"}).status_code == 404
    assert snapshot() == before
    client = enterprise_client(w)
    done = client.post(url, {"public": "0"})
    assert done.status_code == 302
    html = _html(client.get(_detail(report)))
    assert "核验页现在不显示样品名称与结论。" in html and 'name="public" value="1"' in html
    assert Report.objects.get(pk=report.pk).summary_public is False


# --- issue ----------------------------------------------------------------------------------------------------------


def test_issue_page_shows_what_will_be_issued_and_issues_it():
    w, sample = ready_world()
    client = client_for(w, "signatory")
    response = client.get(_issue(sample))
    assert response.status_code == 200
    html = _html(response)
    assert "铅" in html and "0.480" in html and "镉" in html and "0.05000" in html
    cnas = Accreditation.objects.get(organisation=w.institution, body="CNAS").number
    assert "所检项目有条件符合要求" in html and f"<strong>CNAS</strong> {cnas} — 不在范围内的项目：镉" in html
    assert f'href="/reports/issue/{sample.pk}/preview.pdf"' in html
    assert 'name="reason"' not in html and 'name="expected_version" value="0"' in html
    assert Report.objects.count() == 0
    done = client.post(_issue(sample), {"expected_version": "0", "valid_until": ""})
    report = Report.objects.get()
    assert (done.status_code, done["Location"]) == (302, _detail(report))
    assert f"已签发报告 {number(1)}，已通知委托方。" in _html(client.get(done["Location"]))
    # Now the page amends the current version.
    html = _html(client.get(_issue(sample)))
    assert "第 1 次更正（第 2 版）" in html and 'name="reason"' in html and 'name="expected_version" value="1"' in html
    before = snapshot()
    missing = client.post(_issue(sample), {"expected_version": "1"})
    assert missing.status_code == 400 and 'id="id_reason_error"' in _html(missing)
    stale = client.post(_issue(sample), {"expected_version": "0", "reason": "委托方名称更正"})
    assert stale.status_code == 409 and "当前有效版本为第 1 版" in _html(stale)
    past = client.post(_issue(sample), {"expected_version": "1", "reason": "更正", "valid_until": "2020-01-01"})
    assert past.status_code == 400 and "声明有效期须晚于签发日期。" in _html(past)
    assert snapshot() == before
    done = client.post(_issue(sample), {"expected_version": "1", "reason": "委托方名称更正"})
    second = Report.objects.get(version=2)
    assert (done.status_code, done["Location"]) == (302, _detail(second))
    assert f"已签发报告 {number(1)} 的第 1 次更正（第 2 版），原版本已被替代" in _html(client.get(done["Location"]))


def test_issue_page_says_why_it_cannot_issue():
    w, ready = ready_world()
    sample = received(w, 1)
    submitted(w, sample)
    client = client_for(w, "signatory")
    html = _html(client.get(_issue(sample)))
    assert f"以下项目尚未批准，不能出具报告：{sample.number} 铅、{sample.number} 镉" in html
    assert 'id="issue-form"' not in html and "preview.pdf" not in html
    scope = _html(client_for(w, "signatory2").get(_issue(ready)))
    assert "您的签字授权不包括以下项目的方法" in scope and 'id="issue-form"' not in scope
    before = snapshot()
    refused = client_for(w, "signatory2").post(_issue(ready), {"expected_version": "0"})
    assert refused.status_code == 409
    assert client_for(w, "analyst").get(_issue(ready)).status_code == 403
    assert enterprise_client(w).get(_issue(ready)).status_code == 403
    lab2 = w.m.lab2.org
    assert signed_in(member(lab2, Role.AUTHORIZED_SIGNATORY), lab2).get(_issue(ready)).status_code == 404
    assert client.get(f"/reports/issue/{sample.pk}/preview.pdf").status_code == 409
    assert snapshot() == before


def test_without_a_signing_key_the_page_says_so():
    w, sample = ready_world()
    key = SigningKey.objects.get(organisation=w.institution, status="active")
    key_services.key_revoke(actor=w.admin_actor, key_id=key.pk, reason="私钥可能泄露")
    before = snapshot()
    response = client_for(w, "signatory").post(_issue(sample), {"expected_version": "0"})
    assert response.status_code == 409 and "本机构还没有有效的签名密钥" in _html(response)
    assert snapshot() == before


def test_draft_preview_is_a_pdf_that_uses_no_number():
    w, sample = ready_world()
    before = snapshot()
    response = client_for(w, "signatory").get(f"/reports/issue/{sample.pk}/preview.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="draft-{sample.pk}.pdf"'
    assert "no-cache" in response["Cache-Control"]
    pdf = response.content
    assert pdf.startswith(b"%PDF") and b"/ByteRange" not in pdf  # not signed
    assert snapshot() == before
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        text = subprocess.run(  # noqa: S603  (a fixed program, our own bytes on stdin)
            [pdftotext, "-layout", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        assert "（草稿 DRAFT）" in text and "铅" in text


def test_the_sample_review_page_links_to_the_reports():
    w, sample = ready_world()
    page = f"/lab/samples/{sample.pk}/review/"
    html = _html(client_for(w, "signatory").get(page))
    assert f'href="/reports/issue/{sample.pk}/"' in html and "出具报告" in html
    assert f'href="/reports/issue/{sample.pk}/"' not in _html(client_for(w, "analyst").get(page))
    report = issued(w, sample)
    html = _html(client_for(w, "signatory").get(page))
    assert f'href="/reports/{report.pk}/"' in html and "签发更正版报告" in html
    analyst = _html(client_for(w, "analyst").get(page))
    assert f'href="/reports/{report.pk}/"' in analyst and "/reports/issue/" not in analyst
    report_correction_open(actor=w.signatory_actor, report_id=report.pk, reason="复核")
    report_withdraw(actor=w.signatory_actor, report_id=report.pk, reason="撤回")
    html = _html(client_for(w, "signatory").get(page))
    assert "已撤回" in html and f'href="/reports/issue/{sample.pk}/"' in html
