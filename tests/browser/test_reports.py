"""Reports and trust, in the browser: from the signatory's approval to a superseded report verifying as such.

The signatory (second factor) approves a checked sample, issues its report; the enterprise downloads the signed
PDF; anyone uploads that file on the public verification page and reads "genuine and current"; the signatory
issues an amendment with a reason; the first version's verification address now says it is superseded and links
to the second. The downloaded file is a real signed PDF: pyHanko validates it against the published trust list,
and pdftotext reads its Chinese.

The laboratory is tests/reports/world.py's (tests/lims/world.py `lab_world` with the platform and lab keys).
"""

import hashlib
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.lims.review_world import submitted
from tests.lims.world import lab_world, received
from tests.reports.pdf_world import page_texts
from tests.reports.world import SYSTEM
from tests.trust.world import published_trust_list
from tichub.accounts.models import User
from tichub.core.testing.factories import PASSWORD
from tichub.lims.review_services import review_check
from tichub.reports.models import Report
from tichub.trust import key_services
from tichub.trust.pdf_signing import PdfTrust, pdf_validate

from .steps import open_nav, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
REPORT_PATH = re.compile(r"/reports/(\d+)/$")


def signed_in_page(new_context: Any, user: User, totp: bool = False) -> Any:
    page = new_context(accept_downloads=True).new_page()
    sign_in(page, user.email, PASSWORD, totp_secret=TOTP_SECRET if totp else None)
    return page


def test_a_report_is_issued_downloaded_verified_and_amended(new_context: Any, live_server: Any, tmp_path: Path) -> None:
    w = lab_world(decision_rule="non_binary")
    key_services.platform_init(actor=SYSTEM)
    key_services.key_issue(actor=w.admin_actor)
    User.objects.filter(pk__in=[w.signatory.pk, w.m.enterprise.owner.pk]).update(
        totp_secret=TOTP_SECRET, totp_confirmed_at=timezone.now()
    )
    sample = received(w)
    tests = submitted(w, sample, {"pb": "0.48", "cd": "0.05"})
    review_check(actor=w.reviewer_actor, test_ids=[test.pk for test in tests.values()])

    # Signatory: approve both results, then issue the sample's report from its review page.
    signatory = signed_in_page(new_context, w.signatory, totp=True)
    open_nav(signatory, "结果批准")
    signatory.get_by_label(f"{sample.number} 铅").check()
    signatory.get_by_label(f"{sample.number} 镉").check()
    signatory.get_by_role("button", name="批准所选项目").click()
    expect(signatory.get_by_text("目前没有等待批准的结果。")).to_be_visible()
    signatory.goto(f"/lab/samples/{sample.pk}/review/")
    signatory.locator("#sample-reports").get_by_role("link", name="出具报告").click()
    signatory.get_by_role("button", name="签发报告").click()
    expect(signatory).to_have_url(REPORT_PATH)
    first = Report.objects.get(sample=sample)
    expect(signatory.get_by_role("heading", level=1)).to_contain_text(first.number)

    # Enterprise: find the report in its list and download the signed PDF.
    owner = signed_in_page(new_context, w.m.enterprise.owner, totp=True)
    open_nav(owner, "检测报告")
    owner.get_by_role("link", name=first.number).first.click()
    with owner.expect_download() as download:
        owner.locator("#download").click()
    pdf_path = tmp_path / "report-v1.pdf"
    download.value.save_as(pdf_path)
    pdf = pdf_path.read_bytes()
    first.refresh_from_db()
    assert pdf.startswith(b"%PDF") and first.sha256 == hashlib.sha256(pdf).hexdigest()
    trust_list = published_trust_list()
    # pyHanko's validator runs its own asyncio loop: not in this thread, which Playwright marks as running one.
    with ThreadPoolExecutor(1) as pool:
        verdict = pool.submit(pdf_validate, pdf, PdfTrust.from_trust_list(trust_list)).result()
    assert verdict.status == "valid", (verdict.message_en, verdict.signatures)
    if shutil.which("pdftotext"):
        text = "\n".join(page_texts(pdf))
        assert "检测报告" in text and "TEST REPORT" in text.upper() and first.number in text
        assert "有条件合格" in text and "Conditional pass" in text

    # Anyone: upload the file on the public verification page.
    visitor = new_context().new_page()
    visitor.goto("/verify/")
    pdf_form = visitor.locator("#way-pdf")
    pdf_form.get_by_label("报告 PDF 文件").set_input_files(str(pdf_path))
    pdf_form.get_by_role("button", name="核验 Verify").click()
    verdict = visitor.get_by_role("heading", level=1)
    expect(verdict).to_contain_text("genuine", ignore_case=True)
    expect(visitor.locator("main")).to_contain_text(first.number)

    # Signatory: amend with a reason; version 2 replaces version 1.
    signatory.goto(f"/reports/{first.pk}/")
    signatory.locator("#amend").click()
    signatory.get_by_label("更正原因").fill("委托方名称更正为营业执照所载全称")
    signatory.get_by_role("button", name="签发更正版").click()
    expect(signatory).to_have_url(REPORT_PATH)
    second = Report.objects.get(sample=sample, version=2)
    expect(signatory.locator("main")).to_contain_text("委托方名称更正为营业执照所载全称")

    # The first version's verification address now says it is superseded and links to the second.
    visitor.goto(f"/verify/{first.public_id}/")
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("superseded", ignore_case=True)
    visitor.get_by_role("link", name=re.compile("查看最新版本")).click()
    expect(visitor).to_have_url(re.compile(rf"/verify/{second.public_id}/$"))
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("genuine", ignore_case=True)
    first.refresh_from_db()
    assert (first.status, second.status, second.amends_id) == ("superseded", "issued", first.pk)
    assert first.verification_count >= 2
