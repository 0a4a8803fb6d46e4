"""The laboratory's acceptance walk, in the browser: a sample from receipt to approval by a signatory.

Reception scans the announced sample's reference and receives it; the analyst types results in the grid with the
keyboard (lead 0.48 mg/kg: conditional pass under the non-binary rule; cadmium 5 µg/kg, converted to the
specification's mg/kg), submits them, then corrects cadmium to 0.5 µg/kg (below the LOD) with a reason; a
reviewer checks both; the authorised signatory (second factor) approves them and the sample is ready for its
report. The earlier cadmium value stays in its history (ISO/IEC 17025 7.5.2).

The laboratory is tests/lims/world.py's `lab_world(decision_rule="non_binary")`.
"""

import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.lims.world import lab_world
from tichub.accounts.models import User
from tichub.core.testing.factories import PASSWORD
from tichub.lims.models import LabSample, ResultRevision, Test

from .steps import open_nav, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SAMPLE_PATH = re.compile(r"/lab/samples/(\d+)/$")


def signed_in_page(new_context: Any, user: User, totp: bool = False) -> Any:
    page = new_context().new_page()
    sign_in(page, user.email, PASSWORD, totp_secret=TOTP_SECRET if totp else None)
    return page


def result_row(page: Any, test: Test) -> Any:
    return page.locator(f"#result-row-{test.pk}")


def test_a_sample_goes_from_receipt_to_approval(new_context: Any, live_server: Any) -> None:
    w = lab_world(decision_rule="non_binary")
    User.objects.filter(pk=w.signatory.pk).update(totp_secret=TOTP_SECRET, totp_confirmed_at=timezone.now())
    announcement = w.announcements[0]

    # Reception: scan the label's reference, receive the sample.
    reception = signed_in_page(new_context, w.reception)
    open_nav(reception, "样品接收")
    scan = reception.get_by_label("标签内容或样品编号")
    scan.fill(announcement.reference)
    scan.press("Enter")
    reception.get_by_label("接收温度（°C）").fill("21.5")
    reception.get_by_label("存放位置").fill("样品室 B-02")
    reception.get_by_role("button", name="确认接收").click()
    expect(reception).to_have_url(SAMPLE_PATH)
    sample = LabSample.objects.get(announcement=announcement)
    expect(reception.get_by_role("heading", level=1)).to_contain_text(sample.number)
    tests = {test.keyword: test for test in Test.objects.filter(sample=sample)}

    # Analyst: type both results with the keyboard; each row saves itself and shows its decision.
    analyst = signed_in_page(new_context, w.analyst)
    analyst.goto(f"/lab/samples/{sample.pk}/results/")
    lead = analyst.get_by_label("结果 铅", exact=True)
    lead.fill("0.48")
    lead.press("Enter")  # moves to cadmium; leaving lead saves its row
    expect(result_row(analyst, tests["pb"])).to_contain_text("有条件合格")
    analyst.get_by_label("单位 镉", exact=True).fill("µg/kg")
    cadmium = analyst.get_by_label("结果 镉", exact=True)
    cadmium.fill("5")
    cadmium.press("Enter")  # the last row: leaving it saves it
    expect(result_row(analyst, tests["cd"])).to_contain_text("0.00500")
    analyst.reload()
    analyst.get_by_role("button", name="提交已录入的结果").click()
    expect(result_row(analyst, tests["cd"])).to_contain_text("待审核")

    # A submitted result changes only with a reason; the row waits for it before saving.
    analyst.get_by_label("结果 镉", exact=True).fill("0.5")
    analyst.get_by_label("更正理由").last.fill("仪器数据抄录错误：原始记录为 0.5 µg/kg")
    analyst.get_by_label("更正理由").last.press("Tab")
    expect(result_row(analyst, tests["cd"])).to_contain_text("未检出 (<0.001)")

    # Reviewer: check both.
    reviewer = signed_in_page(new_context, w.reviewer)
    open_nav(reviewer, "结果审核")
    reviewer.get_by_label(f"{sample.number} 铅").check()
    reviewer.get_by_label(f"{sample.number} 镉").check()
    reviewer.get_by_role("button", name="所选项目审核通过").click()
    expect(reviewer.get_by_text("目前没有等待您审核的结果。")).to_be_visible()

    # Signatory (second factor): approve both; the sample is ready for its report.
    signatory = signed_in_page(new_context, w.signatory, totp=True)
    open_nav(signatory, "结果批准")
    signatory.get_by_label(f"{sample.number} 铅").check()
    signatory.get_by_label(f"{sample.number} 镉").check()
    signatory.get_by_role("button", name="批准所选项目").click()
    expect(signatory.get_by_text("目前没有等待批准的结果。")).to_be_visible()
    signatory.goto(f"/lab/samples/{sample.pk}/review/")
    expect(signatory.get_by_role("heading", level=1)).to_contain_text("待出报告")

    shown = {
        t.keyword: (t.status, t.result_text_zh, t.decision, t.approved_by_id)
        for t in Test.objects.filter(sample=sample)
    }
    assert shown == {
        "pb": ("approved", "0.480", "conditional_pass", w.signatory.pk),
        "cd": ("approved", "未检出 (<0.001)", "pass", w.signatory.pk),
    }
    history = list(
        ResultRevision.objects.filter(test=tests["cd"]).order_by("version").values_list("raw_value", "reason")
    )
    assert history == [("5", ""), ("0.5", "仪器数据抄录错误：原始记录为 0.5 µg/kg")]
    sample.refresh_from_db()
    assert sample.status == "ready"
