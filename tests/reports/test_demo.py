"""The demo reports: `tichub demo` issues, amends, withdraws (and shares) real signed reports, once."""

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tichub.accounts.models import Organisation, User
from tichub.core.models import AuditEvent
from tichub.lims.models import LabSample
from tichub.reports import demo as reports_demo
from tichub.reports.choices import AccessKind, ReportStatus
from tichub.reports.models import Report, ReportAccess, ReportShare
from tichub.trust.choices import KeyPurpose, KeyStatus
from tichub.trust.models import SigningKey
from tichub.trust.trust_list_selectors import trust_list_build
from tichub.trust.verify import Status, load_trust_list, verify_qr

pytestmark = pytest.mark.django_db

OLD_ADDRESS = "广西南宁市中国—东盟检验检测认证高技术服务集聚区"


def _demo() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def _state() -> dict[str, object]:
    return {
        "reports": list(Report.objects.order_by("pk").values_list("pk", "status", "verification_count")),
        "shares": list(ReportShare.objects.values_list("pk", "token")),
        "accesses": ReportAccess.objects.count(),
        "keys": list(SigningKey.objects.order_by("pk").values_list("kid", "status")),
        "audit": AuditEvent.objects.count(),
        "samples": LabSample.objects.count(),
    }


def test_demo_issues_amends_and_withdraws_signed_reports_once():
    printed = _demo()

    sugar = Organisation.objects.get(slug=reports_demo.SUGAR_CENTRE)
    enterprise = Organisation.objects.get(slug="ent-guitang")
    first, second, withdrawn = Report.objects.order_by("pk")
    assert [(r.number, r.version, r.status) for r in (first, second, withdrawn)] == [
        (first.number, 1, ReportStatus.SUPERSEDED),
        (first.number, 2, ReportStatus.ISSUED),
        (withdrawn.number, 1, ReportStatus.WITHDRAWN),
    ]
    assert first.number != withdrawn.number
    assert {r.institution_id for r in (first, second, withdrawn)} == {sugar.pk}
    assert {r.enterprise_id for r in (first, second, withdrawn)} == {enterprise.pk}

    # The export order (e), tested under the non-binary rule: lead 0.48 mg/kg against 0.5 is a conditional pass.
    assert first.sample_id == second.sample_id and first.sample.order.need.title == reports_demo.EXPORT_ORDER
    assert (first.conclusion, second.conclusion) == ("conditional_pass", "conditional_pass")
    assert [row["key"] for row in second.content["results"]] == ["pb", "as_total", "so2"]
    assert first.issued_by.email == second.issued_by.email == "lab.signatory@demo.tichub.local"

    # The amendment: the customer's address corrected, with the reason; version 1 named and superseded.
    assert (second.amends_id, second.amendment_reason) == (first.pk, reports_demo.AMENDMENT_REASON)
    assert second.content["amends"] == {"number": first.number, "version": 1, "public_id": first.public_id}
    assert first.content["customer"]["address_zh"] == OLD_ADDRESS
    assert second.content["customer"]["address_zh"] == reports_demo.ENTERPRISE_ADDRESS["address_zh"]
    assert second.content["customer"]["address_en"] == reports_demo.ENTERPRISE_ADDRESS["address_en"]
    assert second.content["results"] == first.content["results"]

    # The withdrawn report: its own small order, withdrawn by the quality manager with the reason.
    assert withdrawn.order.need.title == reports_demo.WITHDRAWN_ORDER
    assert [row["key"] for row in withdrawn.content["results"]] == ["pb", "so2"]
    assert withdrawn.conclusion == "pass"
    assert withdrawn.withdrawal_reason == reports_demo.WITHDRAWAL_REASON
    assert withdrawn.withdrawn_by == User.objects.get(email="lab.quality@demo.tichub.local")

    # Real signed files: the stored hash is the file's; every QR verifies as genuine against the trust list.
    trust = load_trust_list(trust_list_build().content)
    key = SigningKey.objects.get(organisation=sugar, purpose=KeyPurpose.INSTITUTION, status=KeyStatus.ACTIVE)
    for report in (first, second, withdrawn):
        data = report.pdf.read()
        assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == report.sha256
        verdict = verify_qr(report.qr_text, trust, timezone.now())
        assert verdict.status is Status.GENUINE
        assert verdict.claims is not None
        assert (verdict.claims["iss"], verdict.claims["no"], verdict.claims["v"], verdict.claims["id"]) == (
            sugar.pk,
            report.number,
            report.version,
            report.public_id,
        )
        assert report.kid == key.kid

    # The share link to the Vietnamese importer, opened and downloaded through; the member's own download.
    share = ReportShare.objects.get()
    assert (share.report_id, share.recipient, share.revoked_at) == (second.pk, reports_demo.SHARE_RECIPIENT, None)
    assert share.created_by.email == "enterprise.member@demo.tichub.local"
    assert share.expires_at - share.created_at == pytest.approx(dt.timedelta(days=30), abs=dt.timedelta(seconds=5))
    accesses = list(ReportAccess.objects.order_by("pk").values_list("report_id", "share_id", "kind", "ip"))
    assert accesses == [
        (second.pk, None, AccessKind.DOWNLOAD, reports_demo.OFFICE_IP),
        (second.pk, share.pk, AccessKind.SHARE_VIEW, reports_demo.IMPORTER_IP),
        (second.pk, share.pk, AccessKind.SHARE_DOWNLOAD, reports_demo.IMPORTER_IP),
    ]

    # Public verifications counted on each version.
    counted = [(r.verification_count, r.last_verified_at is not None) for r in (first, second, withdrawn)]
    assert counted == [(2, True), (5, True), (1, True)]

    # Keys: the sugar centre and the three institutions of the commissioning demo, one active key each.
    holders = SigningKey.objects.filter(purpose=KeyPurpose.INSTITUTION, status=KeyStatus.ACTIVE)
    assert sorted(holders.values_list("organisation__slug", flat=True)) == sorted(reports_demo.KEY_HOLDERS)

    # The printed public addresses, one per version.
    for report in (first, second, withdrawn):
        assert f"http://127.0.0.1:8000/verify/{report.public_id}/" in printed
    assert (
        "Reports / 检测报告: 3 versions (1 valid, 1 superseded, 1 withdrawn), 8 public verifications, "
        "1 share link(s), 3 recorded downloads and views"
    ) in printed

    # A second run changes nothing: no new report, key, sample or audit event.
    before = _state()
    again = _demo()
    assert _state() == before
    assert "Reports / 检测报告: 3 versions (1 valid, 1 superseded, 1 withdrawn)" in again
    loaded = reports_demo.load()
    assert (loaded.created, loaded.counts) == (
        0,
        {
            "keys_issued": 0,
            "reports": 3,
            "issued": 1,
            "superseded": 1,
            "withdrawn": 1,
            "verifications": 8,
            "shares": 1,
            "accesses": 3,
        },
    )
    assert _state() == before


def test_demo_reports_need_the_laboratory_demo():
    loaded = reports_demo.load()
    assert (loaded.created, loaded.links) == (0, [])
    assert reports_demo.summary(loaded) == "Reports / 报告: none (the laboratory demo was not loaded)"
    assert Report.objects.count() == 0 and SigningKey.objects.count() == 0
