"""Share links: created and revoked by the enterprise (service and pages), opened by anyone holding them (public,
rate-limited, logged), and refused alike when unknown, expired or revoked."""

import datetime as dt
import re

import pytest
from django.test import override_settings
from django.utils import timezone

from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent
from tichub.core.testing.permissions import signed_in
from tichub.reports import share_services
from tichub.reports.choices import AccessKind, ReportStatus
from tichub.reports.models import ReportAccess, ReportShare
from tichub.reports.report_services import report_withdraw

from .share_world import share_row, shared_world, state
from .world import issued

pytestmark = pytest.mark.django_db
UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15"
NOW = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def sw():
    return shared_world()


def _anon(**extra):
    client = signed_in(None, None)
    client.defaults.update(extra)
    return client


def _withdraw(sw):
    return report_withdraw(actor=sw.w.quality_actor, report_id=sw.report.pk, reason="样品信息录入错误")


# --- the service ----------------------------------------------------------------------------------------------------


def test_create_makes_an_unguessable_link_with_its_lifetime(sw):
    share = share_services.share_create(
        actor=sw.owner_actor, report_id=sw.report.pk, recipient="  越南进口商   ABC ", days=14, now=NOW
    )
    share.refresh_from_db()
    assert (share.enterprise_id, share.report_id, share.recipient) == (sw.enterprise.pk, sw.report.pk, "越南进口商 ABC")
    assert share.expires_at == NOW + dt.timedelta(days=14)
    assert (share.created_by_id, share.revoked_at) == (sw.owner.pk, None)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", share.token)  # token_urlsafe(24): 192 bits
    event = AuditEvent.objects.get(action="report.share.create")
    assert (event.actor_id, event.organisation_id, event.object_id) == (sw.owner.pk, sw.enterprise.pk, str(share.pk))
    assert event.after == {
        "report": sw.report.pk,
        "recipient": "越南进口商 ABC",
        "expires_at": "2026-12-06T09:30:00+00:00",
    }
    assert share.token not in str(event.after) and share.token not in event.object_repr


def test_default_lifetime_is_30_days_and_tokens_differ(sw):
    first = share_services.share_create(actor=sw.owner_actor, report_id=sw.report.pk, recipient="海关", now=NOW)
    second = share_services.share_create(actor=sw.owner_actor, report_id=sw.report.pk, recipient="海关", now=NOW)
    assert first.expires_at == NOW + dt.timedelta(days=30)
    assert first.token != second.token


@pytest.mark.parametrize(
    ("recipient", "days", "field", "message"),
    [
        ("", 30, "recipient", "请填写接收方，便于日后识别这条链接。"),
        ("   ", 30, "recipient", "请填写接收方，便于日后识别这条链接。"),
        ("甲" * 121, 30, "recipient", "接收方不能超过 120 个字符。"),
        ("海关", 0, "days", "有效天数须为 1 到 90 之间的整数。"),
        ("海关", 91, "days", "有效天数须为 1 到 90 之间的整数。"),
        ("海关", -5, "days", "有效天数须为 1 到 90 之间的整数。"),
        ("海关", True, "days", "有效天数须为 1 到 90 之间的整数。"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(sw, recipient, days, field, message):
    before = state()
    with pytest.raises(ServiceError) as caught:
        share_services.share_create(actor=sw.owner_actor, report_id=sw.report.pk, recipient=recipient, days=days)
    assert caught.value.fields == {field: [message]}
    assert state() == before


def test_limits_are_inclusive(sw):
    one = share_services.share_create(actor=sw.owner_actor, report_id=sw.report.pk, recipient="甲" * 120, days=1)
    ninety = share_services.share_create(actor=sw.owner_actor, report_id=sw.report.pk, recipient="乙", days=90)
    assert (len(one.recipient), ninety.expires_at - ninety.created_at > dt.timedelta(days=89)) == (120, True)


def test_withdrawn_report_cannot_be_shared(sw):
    _withdraw(sw)
    before = state()
    with pytest.raises(Conflict) as caught:
        share_services.share_create(actor=sw.owner_actor, report_id=sw.report.pk, recipient="海关")
    assert caught.value.code == "report_withdrawn"
    assert caught.value.message == f"报告 {sw.report.number} 已撤回，不能分享。"
    assert state() == before


def test_superseded_report_can_be_shared(sw):
    newer = issued(sw.w, sw.report.sample, reason="客户名称更正")
    sw.report.refresh_from_db()
    assert (sw.report.status, newer.version) == (ReportStatus.SUPERSEDED, 2)
    share = share_services.share_create(actor=sw.owner_actor, report_id=sw.report.pk, recipient="海关")
    assert share.report_id == sw.report.pk


def test_other_enterprise_and_institution_cannot_create(sw):
    from django.core.exceptions import PermissionDenied

    before = state()
    with pytest.raises(NotFound):
        share_services.share_create(actor=sw.w.m.outsider.owner_actor, report_id=sw.report.pk, recipient="海关")
    with pytest.raises(PermissionDenied):
        share_services.share_create(actor=sw.w.admin_actor, report_id=sw.report.pk, recipient="海关")
    assert state() == before


def test_revoke_then_revoke_again(sw):
    share = share_row(sw.report, created_by=sw.owner)
    revoked = share_services.share_revoke(actor=sw.owner_actor, share_id=share.pk, now=NOW)
    share.refresh_from_db()
    assert share.revoked_at == NOW == revoked.revoked_at
    event = AuditEvent.objects.get(action="report.share.revoke")
    assert (event.before, event.after) == (
        {"revoked_at": None},
        {"revoked_at": "2026-11-22T09:30:00+00:00", "recipient": "越南进口商 ABC"},
    )
    before = state()
    with pytest.raises(Conflict) as caught:
        share_services.share_revoke(actor=sw.owner_actor, share_id=share.pk)
    assert (caught.value.code, caught.value.message) == ("share_revoked", "该分享链接已于此前撤销。")
    with pytest.raises(NotFound):
        share_services.share_revoke(actor=sw.w.m.outsider.owner_actor, share_id=share.pk)
    assert state() == before


# --- the enterprise's pages -----------------------------------------------------------------------------------------


def test_create_through_the_page_redirects_to_the_report(sw):
    response = sw.owner_client().post(f"/reports/{sw.report.pk}/shares/", {"recipient": "海关 南宁", "days": "7"})
    assert response.status_code == 302
    assert response["Location"] == f"/reports/{sw.report.pk}/#shares"
    share = ReportShare.objects.get()
    assert (share.recipient, share.created_by_id) == ("海关 南宁", sw.owner.pk)
    lifetime = share.expires_at - share.created_at
    assert dt.timedelta(days=7) - dt.timedelta(seconds=5) < lifetime <= dt.timedelta(days=7)
    page = sw.owner_client().get(f"/reports/{sw.report.pk}/shares/").content.decode()
    assert f"http://127.0.0.1:8000/reports/shared/{share.token}/" in page


def test_create_page_shows_errors_on_the_form(sw):
    before = state()
    response = sw.owner_client().post(f"/reports/{sw.report.pk}/shares/", {"recipient": "", "days": "91"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_recipient_error"' in html and 'id="id_days_error"' in html
    assert state() == before


def test_create_page_shows_a_withdrawn_refusal(sw):
    _withdraw(sw)
    before = state()
    response = sw.owner_client().post(f"/reports/{sw.report.pk}/shares/", {"recipient": "海关", "days": "30"})
    assert response.status_code == 409
    assert f"报告 {sw.report.number} 已撤回，不能分享。" in response.content.decode()
    assert state() == before


def test_institution_may_not_create_or_revoke_shares(sw):
    share = share_row(sw.report)
    before = state()
    for role in ("admin", "signatory", "quality"):
        client = sw.lab_client(role)
        assert client.post(f"/reports/{sw.report.pk}/shares/", {"recipient": "海关", "days": "30"}).status_code == 403
        assert client.post(f"/reports/shares/{share.pk}/revoke/").status_code == 403
        assert client.get(f"/reports/{sw.report.pk}/shares/").status_code == 403
    assert state() == before


def test_other_enterprise_gets_404(sw):
    share = share_row(sw.report)
    outsider = sw.w.m.outsider
    client = signed_in(outsider.owner, outsider.org)
    before = state()
    assert client.post(f"/reports/{sw.report.pk}/shares/", {"recipient": "海关", "days": "30"}).status_code == 404
    assert client.post(f"/reports/shares/{share.pk}/revoke/").status_code == 404
    response = client.get(f"/reports/{sw.report.pk}/shares/")
    assert response.status_code == 404 and share.token not in response.content.decode()
    assert state() == before


def test_revoke_through_the_page(sw):
    share = share_row(sw.report)
    client = sw.member_client()
    response = client.post(f"/reports/shares/{share.pk}/revoke/")
    assert (response.status_code, response["Location"]) == (302, f"/reports/{sw.report.pk}/#shares")
    share.refresh_from_db()
    assert share.revoked_at is not None
    before = state()
    response = client.post(f"/reports/shares/{share.pk}/revoke/", follow=True)
    assert "该分享链接已于此前撤销。" in response.content.decode()
    assert state() == before


def test_manage_page_lists_links_and_the_access_log(sw):
    active = share_row(sw.report, recipient="买方 甲")
    expired = share_row(sw.report, recipient="买方 乙", expires_in=dt.timedelta(seconds=-1))
    revoked = share_row(sw.report, recipient="买方 丙", revoked=True)
    ReportAccess.objects.create(report=sw.report, share=active, kind=AccessKind.SHARE_VIEW, ip="192.0.2.1")
    ReportAccess.objects.create(report=sw.report, kind=AccessKind.DOWNLOAD, user=sw.member, ip="192.0.2.2")
    html = sw.owner_client().get(f"/reports/{sw.report.pk}/shares/").content.decode()
    rows = {share.pk: _row(html, f"share-{share.pk}") for share in (active, expired, revoked)}
    assert "买方 甲" in rows[active.pk] and "有效" in rows[active.pk] and active.token in rows[active.pk]
    assert f"/reports/shares/{active.pk}/revoke/" in rows[active.pk]
    assert "已过期" in rows[expired.pk] and expired.token not in html and "/revoke/" not in rows[expired.pk]
    assert "已撤销" in rows[revoked.pk] and revoked.token not in html and "/revoke/" not in rows[revoked.pk]
    log = _row(html, "report-accesses", tag="table")
    assert "通过分享链接查看" in log and "买方 甲" in log and "192.0.2.1" in log
    assert "下载" in log and sw.member.name in log and "192.0.2.2" in log


def _row(html, element_id, tag="tr"):
    start = html.index(f'id="{element_id}"')
    return html[start : html.index(f"</{tag}>", start)]


# --- the public share page ------------------------------------------------------------------------------------------


def test_public_page_shows_the_report_and_logs_the_visit(sw):
    report = sw.report
    share = share_row(report)
    long_agent = "A" * 280 + "浏览器" * 20
    response = _anon(REMOTE_ADDR="203.0.113.50", HTTP_USER_AGENT=long_agent).get(f"/reports/shared/{share.token}/")
    assert response.status_code == 200
    html = response.content.decode()
    issued_on = timezone.localtime(report.issued_at).date().isoformat()
    for text in (
        sw.institution.name_zh,
        report.number,
        issued_on,
        "有效",
        report.product,
        report.conclusion_zh,
        report.conclusion_en,
        f'href="/reports/shared/{share.token}/pdf/"',
        f'href="/verify/{report.public_id}/"',
    ):
        assert text in html, text
    assert 'id="status-banner"' not in html
    assert share.recipient not in html  # the enterprise's own label for the link
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    access = ReportAccess.objects.get()
    assert (access.report_id, access.share_id, access.kind, access.user_id, access.ip) == (
        report.pk,
        share.pk,
        AccessKind.SHARE_VIEW,
        None,
        "203.0.113.50",
    )
    assert access.user_agent == long_agent[:300] and len(access.user_agent) == 300


def test_public_download_is_the_signed_file_and_is_logged(sw):
    share = share_row(sw.report)
    response = _anon(REMOTE_ADDR="203.0.113.51", HTTP_USER_AGENT=UA).get(f"/reports/shared/{share.token}/pdf/")
    assert response.status_code == 200
    with sw.report.pdf.open("rb") as handle:
        assert response.content == handle.read()
    name = f"{sw.report.number}-v1.pdf"
    assert response["Content-Disposition"] == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    assert response["ETag"] == f'"{sw.report.sha256}"'
    assert response["Content-Type"] == "application/pdf"
    assert list(ReportAccess.objects.values_list("kind", "share_id", "user_id", "ip", "user_agent")) == [
        (AccessKind.SHARE_DOWNLOAD, share.pk, None, "203.0.113.51", UA)
    ]


def test_a_signed_in_visitor_is_not_named_in_the_log(sw):
    share = share_row(sw.report)
    assert sw.lab_client().get(f"/reports/shared/{share.token}/").status_code == 200
    assert ReportAccess.objects.get().user_id is None


def test_superseded_report_page_says_so(sw):
    share = share_row(sw.report)
    issued(sw.w, sw.report.sample, reason="客户名称更正")
    html = _anon().get(f"/reports/shared/{share.token}/").content.decode()
    banner = _row(html, "status-banner", tag="div")
    assert "此版本已被更正版替代，不再是最新版本。" in banner
    assert f'href="/verify/{sw.report.public_id}/"' in banner
    assert "已被更正版替代" in html and f"/reports/shared/{share.token}/pdf/" in html


def test_withdrawn_report_page_says_so_and_offers_no_file(sw):
    share = share_row(sw.report)
    _withdraw(sw)
    html = _anon().get(f"/reports/shared/{share.token}/").content.decode()
    banner = _row(html, "status-banner", tag="div")
    assert "此报告已被签发机构撤回，不再有效。" in banner and "样品信息录入错误" in banner
    assert f'href="/verify/{sw.report.public_id}/"' in banner
    assert f"/reports/shared/{share.token}/pdf/" not in html
    before = state()
    response = _anon().get(f"/reports/shared/{share.token}/pdf/")
    assert response.status_code == 409
    assert f"报告 {sw.report.number} 已撤回，不再提供下载。" in response.content.decode()
    assert state() == before
    assert list(ReportAccess.objects.values_list("kind", flat=True)) == [AccessKind.SHARE_VIEW]


def _normalised(response, path):
    """The body without the per-response CSRF tokens and the address asked for (base.html echoes both: the language
    switch returns to the same address), which the client knows already."""
    body = re.sub(r'"X-CSRFToken": "[^"]*"', "CSRF", response.content.decode())
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "CSRF", body)
    return body.replace(path, "PATH")


HEADERS = ("Content-Type", "Cache-Control", "Referrer-Policy", "X-Robots-Tag")


def test_unknown_expired_and_revoked_links_answer_alike(sw):
    expired = share_row(sw.report, expires_in=dt.timedelta(seconds=-1))
    revoked = share_row(sw.report, revoked=True)
    live = share_row(sw.report)
    guessed = live.token[:-1] + ("A" if live.token[-1] != "A" else "B")
    tokens = [guessed, expired.token, revoked.token, "x", "a" * 60, "%2e%2e"]
    before = state()
    for suffix in ("", "pdf/"):
        paths = [f"/reports/shared/{token}/{suffix}" for token in tokens]
        responses = [_anon().get(path) for path in paths]
        assert {r.status_code for r in responses} == {404}
        bodies = {_normalised(r, r.wsgi_request.get_full_path()) for r in responses}
        assert len(bodies) == 1
        assert len({tuple(r.get(h) for h in HEADERS) for r in responses}) == 1
        assert "链接已失效或无效" in bodies.pop()
        assert all(sw.report.number not in r.content.decode() for r in responses)
    assert state() == before


@override_settings(RATE_LIMITS={"public": (2, 60), "login": (20, 60)})
def test_public_pages_are_rate_limited(sw):
    share = share_row(sw.report)
    client = _anon(REMOTE_ADDR="203.0.113.77")
    assert client.get(f"/reports/shared/{share.token}/").status_code == 200
    assert client.get(f"/reports/shared/{share.token}/pdf/").status_code == 200
    before = state()
    for url in (f"/reports/shared/{share.token}/", f"/reports/shared/{share.token}/pdf/", "/reports/shared/guess/"):
        response = client.get(url)
        assert response.status_code == 429
        assert response["Retry-After"] == "60"
        assert "请求过于频繁，请稍后再试。" in response.content.decode()
    assert state() == before
    assert _anon(REMOTE_ADDR="203.0.113.78").get(f"/reports/shared/{share.token}/").status_code == 200
