"""The report PDF (ISO/IEC 17025 7.8.2.1), issued through report_issue and read back as a reader would: its text
in Chinese and English on every page, the signed QR code on every page, the attached report.json and qr.txt, the
PAdES signature, the accreditation marks, drafts and amendments, and long result tables."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
import json
import re

import pytest
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader

from tests.trust.world import published_trust_list
from tichub.registry.models import Accreditation
from tichub.reports.content_selectors import content_bytes
from tichub.reports.render import render_report
from tichub.trust.pdf_signing import PdfStatus, PdfTrust, pdf_validate
from tichub.trust.qr_image import ImageProblem, qr_texts

from .pdf_world import attachments, page_pngs, page_texts, world_with
from .world import issued, ready_world

pytestmark = pytest.mark.django_db


def _pdf(report) -> bytes:
    with report.pdf.open("rb") as f:
        return f.read()


def _squash(text: str) -> str:
    """Without any white space: a sentence wrapped across lines is found whole."""
    return re.sub(r"\s+", "", text)


def _lines(page: str, prefix: str) -> list[str]:
    return [line for line in page.splitlines() if line.startswith(prefix)]


def _watermark_pixels(png: bytes) -> int:
    """Pixels of the draft watermark's pink (its red at 18 % over white), in the middle of the page."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    middle = image.crop((width // 5, height // 3, width * 4 // 5, height * 2 // 3))
    data = middle.tobytes()
    pixels = (data[i : i + 3] for i in range(0, len(data), 3))
    return sum(1 for r, g, b in pixels if r >= 235 and 185 <= g <= 228 and 185 <= b <= 228 and r - g >= 20)


@pytest.fixture
def report():
    w, sample = ready_world()
    return issued(w, sample)


def test_every_page_carries_the_number_the_page_count_and_the_verification_address(report):
    pages = page_texts(_pdf(report))
    assert len(pages) == report.pages == 2
    for n, page in enumerate(pages, start=1):
        assert f"报告编号 Report No. {report.number}" in page  # the header
        assert f"第 {n} 页 共 2 页 · Page {n} of 2" in page
        assert f"{report.number} · 第 {n} 页 共 2 页 · Page {n} of 2" in page  # the footer
        assert report.content["verify_url"] in page  # beside the QR code
        assert report.content["institution"]["name_zh"] in page


def test_report_text_in_chinese_and_english(report):
    c = report.content
    first, second = page_texts(_pdf(report))
    # Page 1: the summary (7.8.2.1 a-k, o).
    for text in (
        "检测报告",
        "TEST REPORT",
        "委托方 Customer",
        "检测机构 Laboratory",
        c["customer"]["name_zh"],
        f"联系人 Contact: {c['customer']['contact']}",
        f"委托单号 Order No.: {c['order']['number']}（{c['order']['date']}）",
        "检测地点 Site of testing: 广西检测中心甲 本部",
        f"样品编号 Sample No. {c['sample']['number']}",
        "样品描述 Description 一级白砂糖，袋装",
        "批号 Batch B20261101",
        "数量 Quantity 2 袋 × 1 kg",
        "样品状态 Condition 完好 Intact",
        "封识 Seal 无封识 Not sealed",
        f"接收日期 Date of receipt {c['sample']['received_on']}",
        f"检测日期 Date(s) of testing {c['testing']['from']}",
        "GB 5009.12-2017 食品中铅的测定",
        "GB 5009.15-2014 食品中镉的测定",
        "符合性声明 Statement of conformity",
        "编制 Prepared by 审核 Checked by 批准 Approved by",
        f"{c['signatories']['prepared'][0]} {c['signatories']['checked'][0]} {c['signatories']['approved']}",
        f"日期 Date: {c['issued_on']}",
        "1. 本报告结果仅对所检样品负责；样品由委托方送检，结果适用于收到的样品。",
        "The results relate only to the items tested;",
        "未经本机构书面批准，不得部分复制本报告。Not to be reproduced except in full without written approval.",
    ):
        assert text in first, text
    assert _squash(c["statement"]["text_zh"]) in _squash(first)
    assert _squash(c["statement"]["text_en"]) in _squash(first)
    # Page 2: the results, their footnotes, the electronic signature, the end.
    for text in (
        "检测结果 Results",
        "序号 检测项目 检测方法 单位 检测结果 扩展不确定度 限量/技术要求 单项判定",
        "No. Parameter Method Unit Result Expanded U Specification Decision",
        "1 铅 Lead GB 5009.12-2017 mg/kg 0.480 0.048 (k=2) ≤ 0.5 mg/kg (GB 2762)",
        "有条件合格\n1 铅 Lead",
        "\nConditional pass\n",
        "2 镉* Cadmium GB 5009.15-2014 mg/kg 0.05000 0.0020 (k=2) ≤ 0.1 mg/kg (GB 2762) 合格 Pass",
        "U：扩展不确定度，k 为包含因子。U: expanded uncertainty; k: coverage factor.",
        "电子签名 Electronically signed",
        f"签发日期 Issued {c['issued_on']}",
        f"批准人 Approved by {c['signatories']['approved']}",
        f"核验地址 Verify at {c['verify_url']}",
        "— 报告结束 End of report —",
    ):
        assert text in second, text
    assert "报告结束" not in first and "电子签名 Electronically signed" not in first
    assert "草稿" not in first + second and "DRAFT" not in first + second


def test_the_signed_qr_code_on_every_page_decodes_to_the_reports_code(report):
    pngs = page_pngs(_pdf(report), dpi=300)
    assert len(pngs) == 2
    assert qr_texts(pngs[0]) == [report.qr_text]  # the header
    assert qr_texts(pngs[1]) == [report.qr_text, report.qr_text]  # the header, and the signature block


def test_attached_content_is_what_the_qr_code_hashes(report):
    files = attachments(_pdf(report))
    assert set(files) == {"report.json", "qr.txt"}
    assert files["report.json"] == content_bytes(report.content)
    assert hashlib.sha256(files["report.json"]).hexdigest() == report.content_sha256
    assert json.loads(files["report.json"]) == report.content
    assert files["qr.txt"].decode("ascii") == report.qr_text


def test_signed_pdf_validates_and_a_changed_byte_in_the_page_content_is_detected(report):
    pdf = _pdf(report)
    assert hashlib.sha256(pdf).hexdigest() == report.sha256
    trust = PdfTrust.from_trust_list(published_trust_list())
    verdict = pdf_validate(pdf, trust)
    assert verdict.status is PdfStatus.VALID and verdict.ok
    [signature] = verdict.signatures
    assert signature.signer_kid == report.pdf_kid and signature.covers_whole_file

    # One byte inside the first page's content stream (signed bytes), changed after signing.
    page = PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Kids"][0].get_object()
    contents = page.raw_get("/Contents")
    number = (contents[0] if isinstance(contents, list) else contents).idnum
    start = re.search(rb"(?<![0-9])%d 0 obj" % number, pdf).start()
    stream = pdf.index(b"stream", start) + len(b"stream\n")
    changed = bytearray(pdf)
    changed[stream + 40] ^= 0x01
    verdict = pdf_validate(bytes(changed), trust)
    assert not verdict.ok
    assert verdict.status in {PdfStatus.ALTERED, PdfStatus.DAMAGED}


def test_cnas_mark_shows_and_cadmium_is_flagged_outside_it():
    w, sample = ready_world()
    cnas = w.m.lab.rows["lead"].accreditations.get()
    report = issued(w, sample)
    assert [(m["body"], m["number"], m["symbol"], m["not_covered"]) for m in report.content["marks"]] == [
        ("CNAS", cnas.number, "*", ["镉"])
    ]
    first, second = page_texts(_pdf(report))
    title = first.split("报告编号 Report No. 版本 Version")[0]  # the top of page 1, above the report's facts
    assert "CNAS" in title and cnas.number in title  # the mark, drawn with its certificate number
    assert "CMA" not in first + second
    assert _lines(second, "1 铅 Lead GB 5009.12-2017")
    assert _lines(second, "2 镉* Cadmium GB 5009.15-2014")
    assert (
        f"带*项目不在 CNAS 认可范围内（{cnas.number}）。Items marked * are not within the scope of CNAS accreditation "
        f"{cnas.number}." in second
    )


def test_expired_accreditation_prints_no_mark_and_flags_nothing():
    w, sample = ready_world()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    cnas = w.m.lab.rows["lead"].accreditations.get()
    Accreditation.objects.filter(pk=cnas.pk).update(valid_until=yesterday)
    report = issued(w, sample)
    assert report.content["marks"] == []
    assert [row["flags"] for row in report.content["results"]] == [[], []]
    first, second = page_texts(_pdf(report))
    assert "CNAS" not in first + second and "认可范围" not in first + second
    assert _lines(second, "2 镉 Cadmium GB 5009.15-2014")


def test_thirty_results_make_exactly_two_pages():
    w, sample = world_with(extra=28)
    report = issued(w, sample)
    assert len(report.content["results"]) == 30
    pdf = _pdf(report)
    pages = page_texts(pdf)
    second = pages[1]
    assert report.pages == len(pages) == 2
    assert _lines(second, "1 铅 Lead GB 5009.12-2017 mg/kg 0.480 ")
    assert _lines(second, "2 镉* Cadmium GB 5009.15-2014 mg/kg 0.05000 ")
    assert _lines(second, "3 铅 Lead GB 5009.12-2017 mg/kg <0.020 ")  # pb1: 0.01, below the LOQ
    for n in range(2, 29):  # pb2 … pb28 are rows 4 … 30
        assert _lines(second, f"{n + 2} 铅 Lead GB 5009.12-2017 mg/kg {n / 100:.3f} "), n
    assert "— 报告结束 End of report —" in second
    assert [qr_texts(png) for png in page_pngs(pdf, dpi=300)] == [[report.qr_text], [report.qr_text] * 2]


def test_a_long_table_breaks_across_pages_with_its_header_repeated(report):
    content = copy.deepcopy(report.content)
    row = content["results"][1]  # cadmium: one line per row
    content["results"] = [
        {**row, "index": n, "key": f"cd{n}", "result_zh": f"0.{n:03d}", "result_en": f"0.{n:03d}"}
        for n in range(1, 121)
    ]
    pages = page_texts(render_report(content, report.qr_text))
    assert len(pages) == 4
    header = "序号 检测项目 检测方法 单位 检测结果 扩展不确定度 限量/技术要求 单项判定"
    assert [page.count(header) for page in pages] == [0, 1, 1, 1]  # the results start on page 2
    for n in range(1, 121):
        assert sum(len(_lines(page, f"{n} 镉* Cadmium GB 5009.15-2014 mg/kg 0.{n:03d} ")) for page in pages) == 1, n
    for n, page in enumerate(pages, start=1):
        assert f"{report.number} · 第 {n} 页 共 4 页 · Page {n} of 4" in page
    assert "— 报告结束 End of report —" in pages[3]


def test_draft_has_a_watermark_on_every_page_and_no_qr_code(report):
    draft = render_report(report.content, "", draft=True)
    pages = page_texts(draft)
    assert len(pages) == 2
    for page in pages:
        assert "草稿 · 不可核验" in page and "DRAFT · not verifiable" in page  # where the QR code would be
        assert report.content["verify_url"] not in page.split("检测")[0]  # no address in the header
    assert "草稿 · 未签名 Draft · not signed" in pages[1]
    assert "电子签名" not in pages[1]
    assert "— 报告结束 End of report —" in pages[1]
    for png in page_pngs(draft):
        assert _watermark_pixels(png) > 5000  # the diagonal 草稿 DRAFT
        with pytest.raises(ImageProblem):
            qr_texts(png)
    for png in page_pngs(_pdf(report)):
        assert _watermark_pixels(png) == 0
    assert attachments(draft)["report.json"] == content_bytes(report.content)


def test_amendment_has_a_banner_naming_the_version_it_replaces_and_why():
    w, sample = ready_world()
    first = issued(w, sample)
    second = issued(w, sample, reason="客户名称更正")
    pages = page_texts(_pdf(second))
    banner = pages[0]
    assert f"第 1 次更正 / Amendment 1 to report {first.number} (replaces version 1)" in banner
    assert f"本报告为报告 {first.number} 第 1 版的更正版，替代并取代该版本，原版本自本报告签发之日起作废。" in banner
    assert (
        f"This report amends and replaces version 1 of report {first.number}, which is no longer valid from the date "
        "of issue of this report." in banner
    )
    assert "更正原因 Reason for amendment: 客户名称更正" in banner
    assert "版本 Version" in banner and "2（更正版 / amendment）" in banner
    for page in pages:
        assert f"报告编号 Report No. {first.number}（第 2 版 / Version 2）" in page
    assert not any("更正" in page for page in page_texts(_pdf(first)))


def test_claim_validity_is_printed_when_the_report_has_one():
    w, sample = ready_world()
    until = timezone.localdate() + dt.timedelta(days=365)
    report = issued(w, sample, valid_until=until)
    first = page_texts(_pdf(report))[0]
    assert "签发日期 Date of issue 声明有效期至 Valid until" in first
    assert f"{report.content['issued_on']} {until.isoformat()}" in first


def test_results_below_the_lod_print_in_both_languages():
    w, sample = world_with({"pb": "0.001"})
    report = issued(w, sample)
    [lead] = [row for row in report.content["results"] if row["key"] == "pb"]
    assert (lead["result_zh"], lead["result_en"]) == ("未检出 (<0.005)", "not detected (<0.005)")
    second = page_texts(_pdf(report))[1]
    assert "未检出 (<0.005)" in second and "not detected" in second
    assert (
        "未检出：低于方法检出限，括号内为检出限。"
        "Not detected: below the method's limit of detection, given in brackets." in second
    )


def test_a_content_document_without_the_later_members_still_renders(report):
    """Members added to format 1 later (contact, phone, sites, flags, symbols, subcontractors) have defaults."""
    content = copy.deepcopy(report.content)
    for key in ("phone", "email", "website", "sites"):
        del content["institution"][key]
    del content["customer"]["contact"], content["subcontractors"]
    for row in content["results"]:
        del row["flags"], row["index"]
    for mark in content["marks"]:
        del mark["symbol"]
    first, second = page_texts(render_report(content, report.qr_text))
    assert "检测地点 Site of testing: 本机构地址 the laboratory's address" in first
    assert "联系人" not in first
    assert _lines(second, "1 铅 Lead GB 5009.12-2017") and _lines(second, "2 镉* Cadmium GB 5009.15-2014")
    assert "带*项目不在 CNAS 认可范围内" in second
