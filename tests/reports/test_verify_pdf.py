"""Public verification of a report PDF (/verify/check/?kind=pdf, POST /api/v1/verify/pdf): the very file issued
(found by its SHA-256), and every way a file can fail, with the verdict in plain words asserted exactly: altered
after signing, modified after signing, signed by nobody the platform knows, by another institution, by a revoked
key, with report data that do not match the code, a PDF from nowhere and a file that is no PDF."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from tests.trust.world import lab, outside_ca
from tichub.reports.render import render_report
from tichub.reports.verify_selectors import PDF_HOW, PDF_SIGNED_HOW, Outcome, verify_pdf
from tichub.trust import key_services, sign_services
from tichub.trust.models import SigningKey
from tichub.trust.pdf_signing import SignerKey, pdf_sign

from .world import issued, ready_world

pytestmark = pytest.mark.django_db
CHECK = reverse("reports_public:check")
ALTERED_ZH = "文件被改动：签名所覆盖的内容与签名不符。"
ALTERED_EN = "Altered: the signed content of the file does not match its signature."


@pytest.fixture
def world():
    w, sample = ready_world()
    report = issued(w, sample)
    return w, sample, report, report.pdf.read()


def _day(moment):
    return timezone.localdate(moment).isoformat()


def _count(report):
    report.refresh_from_db()
    return report.verification_count


def _names(w, report):
    """The note on a file that fails but carries the report's genuine code."""
    return (
        f"文件所附二维码真实，指向{w.institution.name_zh}签发的报告 {report.number} 第 1 版：请向该机构索取原件。",
        f" The QR code attached to the file is genuine and names report {report.number} version 1 of "
        f"{w.institution.name_en}: ask them for the original file.",
    )


def _api(data, name="report.pdf"):
    return Client().post("/api/v1/verify/pdf", {"file": SimpleUploadedFile(name, data)})


def _seal(actor, pdf):
    return sign_services.pdf_seal(actor=actor, pdf_bytes=pdf, reason="检测报告签发 Test report issued", location="南宁")


def test_the_very_file_issued(world):
    w, _sample, report, pdf = world
    result = verify_pdf(pdf)
    assert result.status is Outcome.GENUINE
    assert result.message_zh == (
        f"真实有效：报告 {report.number} 第 1 版由{w.institution.name_zh}于 {_day(report.issued_at)} 签发，"
        f"是现行有效版本。{PDF_HOW[0]}"
    )
    assert result.message_en == (
        f"Genuine and current: report {report.number} version 1, issued by {w.institution.name_en} on "
        f"{_day(report.issued_at)}, is the current version.{PDF_HOW[1]}"
    )
    assert result.signature.file_sha256 == report.sha256
    body = _api(pdf).json()
    assert (body["status"], body["report"]["public_id"], body["signature"]["file_sha256"]) == (
        "genuine",
        report.public_id,
        report.sha256,
    )
    page = Client().post(CHECK + "?kind=pdf", {"pdf": SimpleUploadedFile("r.pdf", pdf)})
    assert page.status_code == 200 and 'class="verdict ok"' in page.content.decode()
    assert _count(report) == 2


def test_the_file_of_a_superseded_version(world):
    w, sample, _report, pdf = world
    second = issued(w, sample, reason="客户名称更正")
    result = verify_pdf(pdf)
    assert result.status is Outcome.SUPERSEDED
    assert result.message_zh.endswith(f"已被第 2 版替代（更正原因：客户名称更正），请以最新版本为准。{PDF_HOW[0]}")
    assert result.newer.public_id == second.public_id


def test_altered_after_signing(world):
    """One byte of the signed bytes changed (inside the attached report data)."""
    w, _sample, report, pdf = world
    reader = PdfFileReader(io.BytesIO(pdf))
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    stream = next(names[i + 1]["/EF"]["/F"] for i in range(0, len(names), 2) if names[i].endswith("report.json"))
    at = pdf.index(bytes(stream.encoded_data)) + 40
    altered = bytearray(pdf)
    altered[at] ^= 0x01
    result = verify_pdf(bytes(altered))
    note_zh, note_en = _names(w, report)
    assert result.status is Outcome.ALTERED and result.tone == "bad"
    assert (result.message_zh, result.message_en) == (ALTERED_ZH + note_zh, ALTERED_EN + note_en)
    assert result.report is None and result.signature.pdf_status == "altered"
    body = _api(bytes(altered)).json()
    assert (body["status"], body["headline_zh"], body["headline_en"], body["report"]) == (
        "altered",
        "内容被改动或伪造",
        "Altered or forged",
        None,
    )
    assert _count(report) == 0


def test_modified_after_signing(world):
    """An incremental update after the signature that paints over a page."""
    w, _sample, report, pdf = world
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    overlay = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 30 Tf 100 600 Td (FAIL -> PASS) Tj ET"))
    page["/Contents"] = generic.ArrayObject([page.raw_get("/Contents"), overlay])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue())
    note_zh, note_en = _names(w, report)
    assert result.status is Outcome.MODIFIED
    assert result.message_zh == (
        "签署后被修改：签名本身完好，但文件在签署后又被追加修改（增量更新）。请向签发机构索取原件。" + note_zh
    )
    assert result.message_en == (
        "Modified after signing: the signature itself is intact, but the file was changed after it was signed (an "
        "incremental update). Ask the issuer for the original." + note_en
    )
    assert _count(report) == 0


def test_re_signed_by_the_institution_is_genuine_but_not_the_same_file(world):
    """A valid signature, the genuine code and matching data, though not the bytes on record (e.g. a reader added
    validation data): the report's state, saying so."""
    w, _sample, report, _pdf = world
    again = _seal(w.admin_actor, render_report(report.content, report.qr_text))
    result = verify_pdf(again)
    assert result.status is Outcome.GENUINE
    assert result.message_zh.endswith(f"是现行有效版本。{PDF_SIGNED_HOW[0]}")
    assert result.message_en.endswith(f"is the current version.{PDF_SIGNED_HOW[1]}")
    sig = result.signature
    assert (sig.pdf_status, sig.data_sha256, sig.qr.status) == ("valid", report.content_sha256, "genuine")
    assert [s.kid for s in sig.pdf] == [report.pdf_kid]
    assert _api(again).json()["status"] == "genuine"
    assert _count(report) == 1


def test_a_forger_with_a_certificate_of_his_own(world):
    """The genuine code and data re-rendered and signed with a certificate the platform does not know."""
    w, _sample, report, _pdf = world
    ca = outside_ca()
    forged = pdf_sign(
        render_report(report.content, report.qr_text),
        key=SignerKey(private_key=ca.key, certificate=ca.certificate),
        reason="检测报告签发",
        location="南宁",
    )
    result = verify_pdf(forged)
    note_zh, note_en = _names(w, report)
    assert result.status is Outcome.UNTRUSTED
    assert result.message_zh == ("签名者不可信：证书不是由平台 CA 或所给根证书签发的，密钥也不在信任列表中。" + note_zh)
    assert result.message_en == (
        "Untrusted signer: the certificate does not lead to the platform CA or a given root, and the key is not in "
        "the trust list." + note_en
    )
    assert (result.headline_zh, result.headline_en) == ("签名者不可信", "Unknown signer")


def test_another_institution_signs_a_copy_of_this_report(world):
    w, _sample, report, _pdf = world
    other = lab(name_zh="冒名检测所", name_en="Impostor Lab")
    key_services.key_issue(actor=other.admin_actor)
    copy = _seal(other.admin_actor, render_report(report.content, report.qr_text))
    result = verify_pdf(copy)
    assert result.status is Outcome.WRONG_INSTITUTION
    assert result.message_zh == (
        f"冒用机构名义：PDF 由{other.institution.name_zh}签署，但所附二维码由{w.institution.name_zh}签发。"
        "请勿信任此文件。"
    )
    assert result.message_en == (
        f"Signed by another institution: the PDF was signed by {other.institution.name_en}, but its QR code was "
        f"issued by {w.institution.name_en}. Do not trust this file."
    )


def test_report_data_that_do_not_match_the_code(world):
    """Whoever holds the key re-renders the report with other results but keeps the genuine code."""
    w, _sample, report, _pdf = world
    content = {**report.content, "results": [{**row, "result_zh": "0.01"} for row in report.content["results"]]}
    result = verify_pdf(_seal(w.admin_actor, render_report(content, report.qr_text)))
    assert result.status is Outcome.DATA_MISMATCH
    assert result.message_zh == (
        "报告数据与二维码不符：文件所附报告数据（report.json）的 SHA-256 与二维码中的不同。请勿信任此文件，"
        f"并向{w.institution.name_zh}核实。"
    )
    assert result.message_en == (
        "Report data do not match the code: the SHA-256 of the report data attached to the file (report.json) "
        f"differs from the one in the QR code. Do not trust this file; ask {w.institution.name_en}."
    )


def test_signed_with_a_revoked_key(world):
    w, _sample, report, pdf = world
    copy = _seal(w.admin_actor, render_report(report.content, report.qr_text))
    key = SigningKey.objects.get(kid=report.pdf_kid)
    key_services.key_revoke(actor=w.admin_actor, key_id=key.pk, reason="私钥可能泄露")
    key.refresh_from_db()
    result = verify_pdf(copy)
    revoked_on = key.revoked_at.astimezone(timezone.get_fixed_timezone(0)).date().isoformat()
    assert result.status is Outcome.REVOKED
    assert result.message_zh == (
        f"签名密钥已于 {revoked_on} 吊销：私钥可能泄露。此密钥签署的文件一律不再视为有效，无论其标注的签署时间。"
    )
    assert result.message_en == (
        f"Key revoked on {revoked_on}: 私钥可能泄露. Files signed with this key no longer count as valid, whatever "
        "signing time they state."
    )
    # The very file the platform issued is still on record as such.
    assert verify_pdf(pdf).status is Outcome.GENUINE


def test_a_pdf_from_nowhere(world):
    _w, _sample, report, _pdf = world
    unsigned = verify_pdf(render_report(report.content, report.qr_text))
    assert unsigned.status is Outcome.NOT_REPORT and unsigned.tone == "none"
    assert (unsigned.message_zh, unsigned.message_en) == (
        "这不是 TICHub 签发的报告文件：文件没有电子签名。",
        "This is not a report file issued through TICHub: The file carries no electronic signature.",
    )
    for data in (b"%PDF-1.7\n garbage", b"hello, not a PDF"):
        result = verify_pdf(data)
        assert result.status is Outcome.NOT_REPORT
        assert result.message_en.startswith("This is not a report file issued through TICHub: ")
        assert _api(data).json()["status"] == "not_report"
    assert _count(report) == 0


def test_a_signed_pdf_that_is_no_report(world):
    """Signed by the institution, but without a code or report data: not a report."""
    w, _sample, report, _pdf = world
    result = verify_pdf(_seal(w.admin_actor, render_report(report.content, "")))
    assert result.status is Outcome.NOT_REPORT
    assert result.message_zh == (
        "PDF 签名有效，但这不是 TICHub 报告：文件没有附带报告数据（report.json）和签名二维码文本（qr.txt）。"
    )
    assert result.signature.pdf_status == "valid" and result.report is None


def test_upload_errors_name_the_field(world):
    client = Client()
    big = b"%PDF" + b"0" * (20 * 1024 * 1024)
    response = client.post("/api/v1/verify/pdf", {"file": SimpleUploadedFile("big.pdf", big)})
    assert response.status_code == 413
    assert response.json()["fields"] == {"file": ["文件过大：最多 20 MB。 The file is too large: 20 MB at most."]}
    empty = client.post("/api/v1/verify/pdf", {"file": SimpleUploadedFile("empty.pdf", b"")})
    assert empty.status_code == 400 and list(empty.json()["fields"]) == ["file"]
    missing = client.post("/api/v1/verify/pdf", {})
    assert missing.status_code == 400 and list(missing.json()["fields"]) == ["file"]
    page = client.post(CHECK + "?kind=pdf", {"pdf": SimpleUploadedFile("big.pdf", big)})
    html = page.content.decode()
    assert page.status_code == 413 and 'id="verify-pdf-error"' in html and "20 MB at most" in html
    page = client.post(CHECK + "?kind=pdf", {})
    assert page.status_code == 400 and 'id="verify-pdf-error"' in page.content.decode()
