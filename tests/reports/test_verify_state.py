"""Public verification by verification id: the page /verify/<public_id>/ and GET /api/v1/verify/{public_id}.
Genuine and current, superseded (link to the newest version, with the reasons), withdrawn (reason and date), not
found (identical for malformed and unknown ids), the public summary only while the enterprise allows it, counts,
the query budget of the hot path, and rate limits."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tichub.reports import verify_services
from tichub.reports.choices import ReportStatus
from tichub.reports.models import Report
from tichub.reports.report_services import report_summary_set, report_withdraw, verify_url
from tichub.reports.verify_selectors import NOT_FOUND, Outcome, report_state

from .world import issued, ready_world

pytestmark = pytest.mark.django_db
NOT_FOUND_ZH = "未找到：本平台没有这个核验编号的报告。请核对编号或网址；如报告来自别处，请向出具机构核实。"
NOT_FOUND_EN = (
    "Not found: this platform has no report with this verification id. Check the id or the address; if the report "
    "came from elsewhere, ask the body that issued it."
)


@pytest.fixture
def world():
    w, sample = ready_world()
    return w, sample, issued(w, sample)


def _day(moment):
    return timezone.localdate(moment).isoformat()


def _counts(report):
    report.refresh_from_db()
    return report.verification_count, report.last_verified_at


def test_genuine_and_current(world):
    w, _sample, report = world
    result = report_state(report.public_id)
    institution = w.institution
    assert result.status is Outcome.GENUINE and result.tone == "ok"
    assert (result.headline_zh, result.headline_en) == ("真实有效", "Genuine and current")
    assert result.message_zh == (
        f"真实有效：报告 {report.number} 第 1 版由{institution.name_zh}于 {_day(report.issued_at)} 签发，"
        "是现行有效版本。"
    )
    assert result.message_en == (
        f"Genuine and current: report {report.number} version 1, issued by {institution.name_en} on "
        f"{_day(report.issued_at)}, is the current version."
    )
    public = result.report
    assert (public.number, public.version, public.status, public.issued_on) == (
        report.number,
        1,
        "issued",
        timezone.localdate(report.issued_at),
    )
    assert (public.institution_zh, public.institution_en) == (institution.name_zh, institution.name_en)
    assert (public.product, public.conclusion, public.conclusion_zh, public.conclusion_en) == (
        report.product,
        report.conclusion,
        report.conclusion_zh,
        report.conclusion_en,
    )
    assert result.newer is None and result.signature is None


def test_api_answer_shows_only_public_fields(world):
    w, _sample, report = world
    response = Client().get(f"/api/v1/verify/{report.public_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "genuine"
    assert body["report"] == {
        "public_id": report.public_id,
        "number": report.number,
        "version": 1,
        "status": "issued",
        "issued_on": _day(report.issued_at),
        "institution": {"name_zh": w.institution.name_zh, "name_en": w.institution.name_en},
        "product": report.product,
        "conclusion": report.conclusion,
        "conclusion_zh": report.conclusion_zh,
        "conclusion_en": report.conclusion_en,
        "valid_until": None,
        "withdrawn_on": None,
        "withdrawal_reason": "",
        "verify_url": verify_url(report.public_id),
    }
    assert (body["newer"], body["signature"]) == (None, None)
    text = response.content.decode()
    for private in (w.enterprise.name_zh, report.sample.number, "0.48", report.content_sha256, report.sha256):
        assert private not in text


def test_summary_hidden_when_the_enterprise_says_so(world):
    w, _sample, report = world
    report_summary_set(actor=w.owner_actor, report_id=report.pk, public=False)
    public = report_state(report.public_id).report
    assert (public.product, public.conclusion, public.conclusion_zh, public.conclusion_en) == (None,) * 4
    body = Client().get(f"/api/v1/verify/{report.public_id}").json()["report"]
    assert (body["product"], body["conclusion"], body["conclusion_zh"], body["conclusion_en"]) == (None,) * 4
    page = Client().get(reverse("reports_public:verify", args=[report.public_id])).content.decode()
    assert report.product not in page and report.conclusion_zh not in page
    assert "委托方未在核验页公开样品名称和结论" in page


def test_superseded_links_to_the_newest_version_with_the_reasons(world):
    w, sample, first = world
    second = issued(w, sample, reason="客户名称更正")
    third = issued(w, sample, reason="检测日期更正")
    result = report_state(first.public_id)
    name_zh, name_en = w.institution.name_zh, w.institution.name_en
    assert result.status is Outcome.SUPERSEDED and result.tone == "warn"
    assert result.message_zh == (
        f"已被更正版替代：报告 {first.number} 第 1 版由{name_zh}于 {_day(first.issued_at)} 签发，已被第 3 版替代"
        "（更正原因：第 2 版：客户名称更正；第 3 版：检测日期更正），请以最新版本为准。"
    )
    assert result.message_en == (
        f"Superseded: report {first.number} version 1, issued by {name_en} on {_day(first.issued_at)}, has been "
        "replaced by version 3 (reasons for the amendments: version 2: 客户名称更正; version 3: 检测日期更正): rely "
        "on the newest version only."
    )
    assert (result.newer.public_id, result.newer.version, result.newer.status) == (third.public_id, 3, "issued")
    two = report_state(second.public_id)
    assert two.message_zh.endswith("已被第 3 版替代（更正原因：检测日期更正），请以最新版本为准。")
    assert report_state(third.public_id).status is Outcome.GENUINE
    # The page: amber, with a link to the newest version.
    page = Client().get(reverse("reports_public:verify", args=[first.public_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="verdict warn"' in html
    assert f'href="{reverse("reports_public:verify", args=[third.public_id])}"' in html
    api = Client().get(f"/api/v1/verify/{first.public_id}").json()
    assert api["newer"] == {
        "public_id": third.public_id,
        "version": 3,
        "status": "issued",
        "amendment_reason": "检测日期更正",
    }


def test_superseded_by_a_version_since_withdrawn(world):
    w, sample, first = world
    second = issued(w, sample, reason="客户名称更正")
    report_withdraw(actor=w.signatory_actor, report_id=second.pk, reason="样品被调包")
    second.refresh_from_db()
    result = report_state(first.public_id)
    assert result.status is Outcome.SUPERSEDED
    assert result.message_zh.endswith(
        f"请以最新版本为准。最新的第 2 版也已于 {_day(second.withdrawn_at)} 撤回（撤回原因：样品被调包）。"
    )
    assert result.newer.status == "withdrawn"


def test_withdrawn_with_reason_and_date(world):
    w, _sample, report = world
    report_withdraw(actor=w.signatory_actor, report_id=report.pk, reason="检测设备校准失效，结果不可靠")
    report.refresh_from_db()
    result = report_state(report.public_id)
    assert result.status is Outcome.WITHDRAWN and result.tone == "bad"
    assert result.message_zh == (
        f"已撤回：报告 {report.number} 第 1 版由{w.institution.name_zh}于 {_day(report.issued_at)} 签发，已于 "
        f"{_day(report.withdrawn_at)} 撤回（撤回原因：检测设备校准失效，结果不可靠），不再有效。"
    )
    assert result.message_en == (
        f"Withdrawn: report {report.number} version 1, issued by {w.institution.name_en} on "
        f"{_day(report.issued_at)}, was withdrawn on {_day(report.withdrawn_at)} "
        "(reason: 检测设备校准失效，结果不可靠) and is no longer valid."
    )
    body = Client().get(f"/api/v1/verify/{report.public_id}").json()
    assert (body["status"], body["report"]["withdrawn_on"], body["report"]["withdrawal_reason"]) == (
        "withdrawn",
        _day(report.withdrawn_at),
        "检测设备校准失效，结果不可靠",
    )
    html = Client().get(reverse("reports_public:verify", args=[report.public_id])).content.decode()
    assert 'class="verdict bad"' in html and "检测设备校准失效，结果不可靠" in html


def _verdict_section(html):
    return re.search(r'<section class="verdict[^"]*" id="verdict".*?</section>', html, re.S).group(0)


@pytest.mark.parametrize(
    "malformed",
    [
        "x",
        "A" * 26,
        "a" * 25,
        "a" * 27,
        "a" * 25 + "1",
        "a" * 25 + "!",
        "%27%20OR%201%3D1",
        "a" * 3000,
        "%E4%B8%AD" * 9,
    ],
)
def test_not_found_is_the_same_for_malformed_and_unknown_ids(world, malformed):
    """Ids are 128 random bits: the answer to a guess says nothing about why it failed."""
    _w, _sample, report = world
    unknown = "a" * 26  # well-formed, never issued
    assert report.public_id != unknown and report_state(unknown) == NOT_FOUND == report_state(malformed)
    client = Client()
    api_unknown, api_malformed = client.get(f"/api/v1/verify/{unknown}"), client.get(f"/api/v1/verify/{malformed}")
    assert (api_unknown.status_code, api_malformed.status_code) == (404, 404)
    assert api_unknown.content == api_malformed.content
    assert api_unknown.json() == {
        "status": "not_found",
        "headline_zh": "未找到",
        "headline_en": "Not found",
        "message_zh": NOT_FOUND_ZH,
        "message_en": NOT_FOUND_EN,
        "report": None,
        "newer": None,
        "signature": None,
    }
    page_unknown = client.get(f"/verify/{unknown}/")
    page_malformed = client.get(f"/verify/{malformed}/")
    assert (page_unknown.status_code, page_malformed.status_code) == (404, 404)
    # The whole page differs only by the address echoed in the navigation; the verdict is the same, byte for byte.
    assert _verdict_section(page_unknown.content.decode()) == _verdict_section(page_malformed.content.decode())
    assert 'class="verdict none"' in page_unknown.content.decode()
    assert _counts(report) == (0, None)


def test_every_resolved_lookup_counts_once(world):
    _w, _sample, report = world
    assert _counts(report) == (0, None)
    before = timezone.now()
    Client().get(reverse("reports_public:verify", args=[report.public_id]))
    Client().get(f"/api/v1/verify/{report.public_id}")
    count, last = _counts(report)
    assert count == 2 and before <= last <= timezone.now()
    Client().get("/api/v1/verify/" + "b" * 26)
    assert _counts(report)[0] == 2


def test_the_api_lookup_is_one_query_and_one_update(world):
    """The hot path (benchmarked against a bare hello-world): one indexed SELECT, one UPDATE, no trust list."""
    w, sample, report = world
    issued(w, sample, reason="客户名称更正")
    current = Report.objects.get(sample=sample, status=ReportStatus.ISSUED)
    client = Client()
    client.get(f"/api/v1/verify/{current.public_id}")  # warm up whatever is built once
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/api/v1/verify/{current.public_id}").status_code == 200
    sql = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(sql) == 2, sql
    assert sql[0].startswith("SELECT") and '"reports_report"."public_id" = ' in sql[0]
    assert sql[1].startswith('UPDATE "reports_report" SET "verification_count"')
    assert "trust_signingkey" not in " ".join(sql)
    # A superseded version costs one more query: its successors.
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/api/v1/verify/{report.public_id}").json()["status"] == "superseded"
    assert len([q for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]) == 3
    # An id that cannot be one costs nothing at all.
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/verify/not-an-id")
    assert len(queries.captured_queries) == 0


def test_page_is_bilingual_whatever_the_language(world):
    _w, _sample, report = world
    for language in ("zh-hans", "en"):
        client = Client()
        client.cookies["django_language"] = language
        html = client.get(reverse("reports_public:verify", args=[report.public_id])).content.decode()
        verdict = _verdict_section(html)
        assert "真实有效" in verdict and "Genuine and current" in verdict
        assert 'class="verdict ok"' in verdict
        assert reverse("trust_public:trust_list") in html
        assert "<script" not in verdict


def test_pages_and_api_are_rate_limited(world, settings):
    _w, _sample, report = world
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "public": (3, 60)}
    cache.clear()
    client = Client()
    url = reverse("reports_public:verify", args=[report.public_id])
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    limited = client.get(url)
    assert limited["Retry-After"] == "60" and "Too many requests" in limited.content.decode()
    assert _counts(report)[0] == 3  # the refused lookups count nothing
    check = client.post(reverse("reports_public:check") + "?kind=text", {"text": "TIC1:ABC"})
    assert check.status_code == 429


def test_api_rate_limit(world, settings):
    """The API counts against the same public limit as the pages, per client address; a forged X-Forwarded-For
    (no trusted proxy is configured) does not reset it."""
    _w, _sample, report = world
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "public": (3, 60)}
    client = Client()
    url = f"/api/v1/verify/{report.public_id}"
    codes = [client.get(url, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(3)]
    limited = client.get(url, HTTP_X_FORWARDED_FOR="10.0.0.9")
    assert [*codes, limited.status_code] == [200, 200, 200, 429]
    assert limited.json()["code"] == "rate_limited" and 0 < int(limited["Retry-After"]) <= 60
    posted = client.post("/api/v1/verify/qr", {"text": report.qr_text}, content_type="application/json")
    assert posted.status_code == 429
    assert _counts(report)[0] == 3
    assert Client(REMOTE_ADDR="192.0.2.7").get(url).status_code == 200  # another client


def test_home_page_offers_three_ways_without_javascript(db):
    html = Client().get(reverse("reports_public:home")).content.decode()
    assert 'action="/verify/check/?kind=text"' in html
    assert 'action="/verify/check/?kind=photo" enctype="multipart/form-data"' in html
    assert 'action="/verify/check/?kind=pdf" enctype="multipart/form-data"' in html
    assert 'name="text"' in html and 'name="photo"' in html and 'name="pdf"' in html
    assert "核验检测报告" in html and "Verify a test report" in html
    assert "/.well-known/tichub/trust-list.json" in html
    assert Client().get(reverse("reports_public:check")).status_code == 302


def test_valid_until_is_public(db):
    w, sample = ready_world()
    until = timezone.localdate() + dt.timedelta(days=365)
    report = issued(w, sample, valid_until=until)
    assert report_state(report.public_id).report.valid_until == until


def test_counts_are_added_up_in_memory_and_written_together(world, settings):
    """In production each process writes its counts every few seconds, in one transaction, not one UPDATE a lookup."""
    _w, _sample, report = world
    settings.VERIFICATION_COUNT_FLUSH_SECONDS = 3600
    before = Report.objects.get(pk=report.pk).verification_count
    client = Client()
    for _ in range(3):
        assert client.get(f"/api/v1/verify/{report.public_id}").status_code == 200
    assert Report.objects.get(pk=report.pk).verification_count == before
    assert verify_services.report_verifications_flush() == 1
    report.refresh_from_db()
    assert report.verification_count == before + 3 and report.last_verified_at is not None
    assert verify_services.report_verifications_flush() == 0
