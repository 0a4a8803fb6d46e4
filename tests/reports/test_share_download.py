"""Downloads of the signed PDF (/reports/<id>/pdf/ and GET /api/v1/reports/{id}/pdf): both parties, the
enterprise's downloads logged, the stored file checked against its SHA-256 before it is sent."""

import hashlib
import logging

import pytest
from django.core.files.storage import default_storage

from tichub.accounts.choices import Role
from tichub.core.testing.factories import InstitutionFactory, OrganisationFactory, member
from tichub.core.testing.permissions import signed_in
from tichub.reports.choices import AccessKind
from tichub.reports.models import ReportAccess
from tichub.reports.views_share import content_disposition

from .share_world import report_row, share_row, shared_world, state, tamper

pytestmark = pytest.mark.django_db
UA = "Mozilla/5.0 (X11; Linux x86_64) TICHub-test"


@pytest.fixture
def sw():
    return shared_world()


def _page(report):
    return f"/reports/{report.pk}/pdf/"


def _api(report):
    return f"/api/v1/reports/{report.pk}/pdf"


def _stored(report):
    with report.pdf.open("rb") as handle:
        return handle.read()


def test_enterprise_download_is_the_signed_file_and_is_logged(sw):
    report = sw.report
    client = sw.owner_client(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT=UA)
    response = client.get(_page(report))
    assert response.status_code == 200
    body = response.content
    assert body == _stored(report) and body.startswith(b"%PDF")
    assert hashlib.sha256(body).hexdigest() == report.sha256
    name = f"{report.number}-v1.pdf"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    assert response["ETag"] == f'"{report.sha256}"'
    assert response["Content-Length"] == str(len(body))
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = list(ReportAccess.objects.values("report_id", "kind", "user_id", "share_id", "ip", "user_agent"))
    assert rows == [
        {
            "report_id": report.pk,
            "kind": AccessKind.DOWNLOAD,
            "user_id": sw.owner.pk,
            "share_id": None,
            "ip": "203.0.113.9",
            "user_agent": UA,
        }
    ]


def test_api_download_by_an_enterprise_member_is_logged(sw):
    report = sw.report
    response = sw.member_client(REMOTE_ADDR="2001:db8::7", HTTP_USER_AGENT="curl/8.5").get(_api(report))
    assert response.status_code == 200
    assert response.content == _stored(report)
    assert response["ETag"] == f'"{report.sha256}"'
    assert response["Content-Type"] == "application/pdf"
    assert list(ReportAccess.objects.values_list("kind", "user_id", "ip", "user_agent")) == [
        (AccessKind.DOWNLOAD, sw.member.pk, "2001:db8::7", "curl/8.5")
    ]


@pytest.mark.parametrize("url", [_page, _api])
def test_institution_staff_download_is_not_logged(sw, url):
    for role in ("signatory", "analyst", "admin"):
        response = sw.lab_client(role).get(url(sw.report))
        assert response.status_code == 200, role
        assert hashlib.sha256(response.content).hexdigest() == sw.report.sha256
    assert ReportAccess.objects.count() == 0


@pytest.mark.parametrize("url", [_page, _api])
def test_others_get_404_and_nothing_is_logged(sw, url):
    other_lab = sw.w.m.lab2
    other_enterprise = sw.w.m.outsider
    before = state()
    for client in (
        signed_in(other_lab.admin, other_lab.org),
        signed_in(other_enterprise.owner, other_enterprise.org),
    ):
        response = client.get(url(sw.report))
        assert response.status_code == 404
        assert sw.report.sha256 not in response.content.decode()
    response = sw.owner_client().get(url(sw.report).replace(str(sw.report.pk), "999999"))
    assert response.status_code == 404
    assert state() == before


def test_anonymous_is_sent_to_sign_in(sw):
    response = signed_in(None, None).get(_page(sw.report))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert signed_in(None, None).get(_api(sw.report)).status_code == 401
    assert ReportAccess.objects.count() == 0


def test_tampered_file_is_refused_with_409_and_logged(sw, caplog):
    report = sw.report
    original = _stored(report)
    forged = original.replace(b"%PDF", b"%PDF ", 1)
    tamper(report, forged)
    forged_sha = hashlib.sha256(forged).hexdigest()
    before = state()
    with caplog.at_level(logging.ERROR, logger="tichub.reports.share_services"):
        page = sw.owner_client().get(_page(report))
        api = sw.owner_client().get(_api(report))
        lab = sw.lab_client().get(_page(report))
    message = f"报告 {report.number} 的存储文件与签发时记录的 SHA-256 不一致，已停止下载并记录。请联系签发机构。"
    assert page.status_code == 409 and lab.status_code == 409
    assert page["Content-Type"].startswith("text/html")
    assert message in page.content.decode()
    assert b"%PDF" not in page.content
    assert api.status_code == 409
    assert api.json() == {"code": "report_file_tampered", "message": message, "fields": {}}
    assert state() == before  # no access row for a file that was not sent
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "tichub.reports.share_services"]
    assert len(errors) == 3
    text = errors[0].getMessage()
    assert "tampered" in text and forged_sha in text and report.sha256 in text and f"report {report.pk}" in text


def test_missing_file_is_refused_like_a_tampered_one(caplog):
    enterprise = OrganisationFactory()
    report = report_row(InstitutionFactory(), enterprise)
    default_storage.delete(report.pdf.name)
    client = signed_in(member(enterprise, Role.ENTERPRISE_OWNER), enterprise)
    with caplog.at_level(logging.ERROR, logger="tichub.reports.share_services"):
        response = client.get(_page(report))
    assert response.status_code == 409
    assert ReportAccess.objects.count() == 0
    assert any("unreadable" in r.getMessage() for r in caplog.records)


def test_tampered_file_is_refused_through_a_share_link_too(sw, caplog):
    share = share_row(sw.report)
    tamper(sw.report, b"%PDF-1.7 forged")
    before = state()
    with caplog.at_level(logging.ERROR, logger="tichub.reports.share_services"):
        response = signed_in(None, None).get(f"/reports/shared/{share.token}/pdf/")
    assert response.status_code == 409
    assert "SHA-256 不一致" in response.content.decode()
    assert state() == before
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 1


def test_content_disposition_keeps_odd_names_safe():
    assert content_disposition("R2026-00001-v2.pdf") == (
        "attachment; filename=\"R2026-00001-v2.pdf\"; filename*=UTF-8''R2026-00001-v2.pdf"
    )
    assert content_disposition('检测/报告 "1";\r\n-v1.pdf') == (
        'attachment; filename="_______1____-v1.pdf"; '
        "filename*=UTF-8''%E6%A3%80%E6%B5%8B%2F%E6%8A%A5%E5%91%8A%20%221%22%3B%0D%0A-v1.pdf"
    )
