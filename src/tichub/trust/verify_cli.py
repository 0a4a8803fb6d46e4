"""`tichub verify`: the verdict on a signed QR code (its text or a photo) or on a report PDF, against a saved
trust list.

No Django, no database, no network: this is what anyone runs offline. Exit status: 0 only for a genuine and
current code (valid signature, key allowed to sign it, not expired, trust list up to date), or for a report PDF
whose signature is valid, whose attached QR code is genuine and current and whose attached report data match the
code; 1 for any other verdict; 2 when nothing could be verified (unreadable trust list, image or PDF, wrong pinned
fingerprint, no code).

`report_pdf_check` is the offline check of a report PDF; the public verification page (tichub.reports) runs the
same function with the platform's trust list before it adds what only the platform knows (superseded, withdrawn).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

from .pdf_signing import PdfStatus, PdfTrust, PdfVerdict, pdf_validate
from .qr_image import ImageProblem, qr_texts
from .verify import (
    HEADLINES,
    Status,
    TrustList,
    TrustListError,
    Verdict,
    claims_in_words,
    day,
    group_fingerprint,
    load_trust_list,
    minute,
    verify_qr,
)

OK, NOT_GENUINE, CANNOT_VERIFY = 0, 1, 2


class Writer(Protocol):
    def write(self, text: str) -> object: ...


STATUS_ZH = {"active": "有效", "retired": "已停用（轮换）", "revoked": "已吊销"}


def _trust_lines(trust: TrustList) -> list[str]:
    lines = [
        f"信任列表 Trust list: {trust.issuer}, issued {minute(trust.issued_at)}, next update due "
        f"{day(trust.next_update)}; {len(trust.keys)} institution keys",
        f"平台根密钥指纹 Platform root key fingerprint (SHA-256): {group_fingerprint(trust.root_fingerprint)}",
    ]
    if trust.pinned:
        lines.append("  与指定指纹一致 Matches the pinned fingerprint.")
    else:
        lines.append(
            "  未固定：请与平台公布的指纹核对，然后用 --platform-key-fingerprint 固定。"
            "\n  Not pinned: compare it with the fingerprint the platform publishes, then pass "
            "--platform-key-fingerprint to pin it."
        )
    return lines


def verdict_lines(verdict: Verdict) -> list[str]:
    lines = [
        f"结论：{verdict.headline_zh}",
        f"Verdict: {verdict.headline_en}",
        verdict.message_zh,
        verdict.message_en,
    ]
    if verdict.trust_list_stale:
        lines += [verdict.stale_zh, verdict.stale_en]
    rows = claims_in_words(verdict)
    if rows:
        lines.append("")
        lines += [f"{zh} {en}: {value}" for zh, en, value in rows]
    if verdict.issued_at is not None:
        lines.append(f"签发时间 Issued: {minute(verdict.issued_at)}")
        lines.append(f"有效期至 Expires: {minute(verdict.expires_at) if verdict.expires_at else '— (no expiry)'}")
    if verdict.key is not None:
        key = verdict.key
        lines.append(
            f"签名密钥 Signing key: {key.kid} ({STATUS_ZH.get(key.status, key.status)} {key.status}; valid "
            f"{day(key.not_before)} – {day(key.not_after)})"
        )
    return lines


# --- report PDFs ------------------------------------------------------------------------------------------------

REPORT_DATA: Final = "report.json"  # the report's content; its SHA-256 is the QR code's `sha` claim
QR_TEXT: Final = "qr.txt"  # the signed QR code's text, as printed on every page
#: Bounds on what is read from an attachment, decompressed: a hostile file costs little.
ATTACHMENT_LIMITS: Final = {REPORT_DATA: 8 * 1024 * 1024, QR_TEXT: 16 * 1024}
_MAX_NAMES, _MAX_DEPTH = 256, 8


def _name_tree(node: Any, budget: list[int], depth: int = 0) -> Iterator[tuple[str, Any]]:
    """(name, value) pairs of a PDF name tree (ISO 32000-1 §7.9.6). A hostile tree (deep, wide, or with cycles)
    costs at most `budget[0]` nodes and names."""
    if depth > _MAX_DEPTH or budget[0] <= 0:
        return
    budget[0] -= 1
    names = node.get("/Names")
    if names is not None:
        for i in range(0, min(len(names), 2 * _MAX_NAMES) - 1, 2):
            budget[0] -= 1
            if budget[0] < 0:
                return
            name = names[i]
            yield (name.decode("latin-1") if isinstance(name, bytes) else str(name)), names[i + 1]
    for kid in node.get("/Kids") or ():
        if budget[0] <= 0:
            return
        yield from _name_tree(kid.get_object(), budget, depth + 1)


def _stream_bytes(stream: Any, limit: int) -> bytes | None:
    """A stream's data, decoded when it is stored plain or Flate-compressed (what Typst writes), at most `limit`
    bytes; None for anything else."""
    filters = stream.get("/Filter")
    if isinstance(filters, list):
        filters = filters[0] if len(filters) == 1 else "/Several"
    raw = bytes(stream.encoded_data)
    if filters is None:
        data = raw
    elif filters == "/FlateDecode" and "/DecodeParms" not in stream:
        data = zlib.decompressobj().decompress(raw, limit + 1)
    else:
        return None
    return data if len(data) <= limit else None


def pdf_attachments(pdf_bytes: bytes) -> dict[str, bytes]:
    """`report.json` and `qr.txt` as a report PDF attaches them (the EmbeddedFiles name tree, matched by base
    name, the first of each), read from the file's last revision. Whatever cannot be read is left out: a damaged
    file gives an empty dict."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    found: dict[str, bytes] = {}
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        tree = reader.root["/Names"]["/EmbeddedFiles"]
        for name, spec in _name_tree(tree, [_MAX_NAMES]):
            base = name.rsplit("/", 1)[-1]
            if base in ATTACHMENT_LIMITS and base not in found:
                data = _stream_bytes(spec.get_object()["/EF"]["/F"], ATTACHMENT_LIMITS[base])
                if data is not None:
                    found[base] = data
    except Exception:  # hostile input: whatever the parser trips on means "nothing more to read"
        return found
    return found


GENUINE: Final = "genuine"
NOT_REPORT: Final = "not_report"
DATA_MISMATCH: Final = "data_mismatch"
WRONG_INSTITUTION: Final = Status.WRONG_INSTITUTION.value
PDF_HEADLINES: Final = {
    GENUINE: ("真实文件", "Genuine file"),
    NOT_REPORT: ("不是 TICHub 报告", "Not a TICHub report"),
    DATA_MISMATCH: ("报告数据与二维码不符", "Report data do not match the code"),
    PdfStatus.ALTERED.value: ("文件被改动", "Altered file"),
    PdfStatus.MODIFIED.value: ("签署后被修改", "Modified after signing"),
    PdfStatus.UNTRUSTED.value: ("签名者不可信", "Unknown signer"),
    PdfStatus.REVOKED.value: ("签名密钥已吊销", "Signing key revoked"),
    PdfStatus.KEY_NOT_VALID.value: ("签名时密钥无效", "Key not valid when signed"),
}


@dataclass(frozen=True)
class ReportPdfCheck:
    """The offline verdict on a report PDF. `status`: "genuine" (valid signature, genuine attached code, matching
    data), a PdfStatus value (altered, modified, untrusted, revoked, key_not_valid), "not_report" (no signature, not
    a PDF, or no report data attached), a verify.Status value of the attached code (altered, unknown_key, expired,
    ...), "wrong_institution" (the PDF and the code are signed by different institutions) or "data_mismatch"."""

    status: str
    message_zh: str
    message_en: str
    pdf: PdfVerdict
    qr: Verdict | None = None
    qr_text: str | None = None
    data_sha256: str | None = None
    verify_url: str = ""

    @property
    def genuine(self) -> bool:
        """Genuine whatever the date: a code past its `exp` is genuine but not current."""
        return self.status in (GENUINE, Status.EXPIRED.value)

    @property
    def ok(self) -> bool:
        return self.status == GENUINE and self.qr is not None and self.qr.ok

    @property
    def headline_zh(self) -> str:
        return _headline(self.status)[0]

    @property
    def headline_en(self) -> str:
        return _headline(self.status)[1]


def _headline(status: str) -> tuple[str, str]:
    if status in PDF_HEADLINES:
        return PDF_HEADLINES[status]
    return HEADLINES[Status(status)]


def _report_words(qr: Verdict) -> tuple[str, str]:
    """ "报告 N 第 v 版" / "report N version v", from a verified code's claims."""
    claims = qr.claims or {}
    return f"报告 {claims.get('no', '?')} 第 {claims.get('v', '?')} 版", (
        f"report {claims.get('no', '?')} version {claims.get('v', '?')}"
    )


def _names_report(qr: Verdict | None) -> tuple[str, str]:
    """What a file that does not verify still says through its attached, genuine code."""
    if qr is None or qr.key is None or qr.status not in (Status.GENUINE, Status.EXPIRED):
        return "", ""
    zh, en = _report_words(qr)
    return (
        f"文件所附二维码真实，指向{qr.key.owner_zh}签发的{zh}：请向该机构索取原件。",
        f" The QR code attached to the file is genuine and names {en} of {qr.key.owner_en}: ask them for the "
        "original file.",
    )


def _verify_url(data: bytes) -> str:
    try:
        url = json.loads(data).get("verify_url", "")
    except (ValueError, AttributeError, RecursionError):
        return ""
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else ""


def report_pdf_check(pdf_bytes: bytes, trust: TrustList, now: dt.datetime) -> ReportPdfCheck:
    """Check a report PDF offline: its PAdES signature against the trust list (pdf_validate), the attached QR text
    with verify_qr, the attached report data against the code's `sha` claim, and that one institution signed both.
    Offline, nothing says whether the report was amended or withdrawn since: the verdict points to the page."""
    pdf = pdf_validate(pdf_bytes, PdfTrust.from_trust_list(trust), now=now)
    files = pdf_attachments(pdf_bytes) if pdf.status is not PdfStatus.DAMAGED else {}
    try:
        qr_text = files[QR_TEXT].decode("utf-8").strip() if QR_TEXT in files else None
    except UnicodeDecodeError:
        qr_text = None
    qr = verify_qr(qr_text, trust, now) if qr_text else None
    data = files.get(REPORT_DATA)
    found: dict[str, Any] = {
        "pdf": pdf,
        "qr": qr,
        "qr_text": qr_text,
        "data_sha256": hashlib.sha256(data).hexdigest() if data is not None else None,
    }
    if pdf.status in (PdfStatus.NO_SIGNATURE, PdfStatus.DAMAGED):
        return ReportPdfCheck(
            NOT_REPORT,
            f"这不是 TICHub 签发的报告文件：{pdf.message_zh}",
            f"This is not a report file issued through TICHub: {pdf.message_en}",
            **found,
        )
    if pdf.status is not PdfStatus.VALID:
        note_zh, note_en = _names_report(qr)
        return ReportPdfCheck(pdf.status.value, pdf.message_zh + note_zh, pdf.message_en + note_en, **found)
    if qr is None or data is None:
        return ReportPdfCheck(
            NOT_REPORT,
            "PDF 签名有效，但这不是 TICHub 报告：文件没有附带报告数据（report.json）和签名二维码文本（qr.txt）。",
            "The PDF signature is valid, but this is not a TICHub report: the file carries no report data "
            "(report.json) and no signed QR code text (qr.txt).",
            **found,
        )
    if not (qr.genuine or qr.status is Status.EXPIRED):
        return ReportPdfCheck(
            qr.status.value,
            f"PDF 签名有效，但文件所附二维码未通过核验。{qr.message_zh}",
            f"The PDF signature is valid, but the QR code attached to the file does not verify. {qr.message_en}",
            **found,
        )
    assert qr.claims is not None and qr.key is not None
    signers = [signature.key for signature in pdf.signatures]
    if any(key is None or key.institution_id != qr.key.institution_id for key in signers):
        signer = next((key for key in signers if key is not None and key.institution_id != qr.key.institution_id), None)
        signer_zh = signer.owner_zh if signer is not None else "信任列表之外的签名者"
        signer_en = signer.owner_en if signer is not None else "a signer outside the trust list"
        return ReportPdfCheck(
            WRONG_INSTITUTION,
            f"冒用机构名义：PDF 由{signer_zh}签署，但所附二维码由{qr.key.owner_zh}签发。请勿信任此文件。",
            f"Signed by another institution: the PDF was signed by {signer_en}, but its QR code was issued by "
            f"{qr.key.owner_en}. Do not trust this file.",
            **found,
        )
    if qr.claims.get("sha") != found["data_sha256"]:
        return ReportPdfCheck(
            DATA_MISMATCH,
            "报告数据与二维码不符：文件所附报告数据（report.json）的 SHA-256 与二维码中的不同。请勿信任此文件，"
            f"并向{qr.key.owner_zh}核实。",
            "Report data do not match the code: the SHA-256 of the report data attached to the file (report.json) "
            f"differs from the one in the QR code. Do not trust this file; ask {qr.key.owner_en}.",
            **found,
        )
    url = _verify_url(data)
    zh, en = _report_words(qr)
    where_zh = f"请到 {url} 查看当前状态" if url else "请向签发机构核实当前状态"
    where_en = f"see {url} for its current state" if url else "ask the issuer for its current state"
    if qr.status is Status.EXPIRED:
        return ReportPdfCheck(
            Status.EXPIRED.value,
            f"已过期：PDF 签名有效，所附二维码真实，报告数据一致（{qr.key.owner_zh}签发的{zh}），"
            f"但报告声明的有效期已于 {minute(qr.expires_at)} 结束。",
            f"Expired: the PDF signature is valid, its QR code is genuine and the report data match ({en}, issued "
            f"by {qr.key.owner_en}), but the report's stated validity ended on {minute(qr.expires_at)}.",
            verify_url=url,
            **found,
        )
    return ReportPdfCheck(
        GENUINE,
        f"真实：PDF 签名有效，所附二维码真实，报告数据与二维码一致。这是{qr.key.owner_zh}于 "
        f"{qr.claims.get('date', day(qr.issued_at))} 签发的{zh}。离线核验无法得知此后是否已更正或撤回：{where_zh}。",
        f"Genuine: the PDF signature is valid, its QR code is genuine and the report data match the code. This is "
        f"{en}, issued by {qr.key.owner_en} on {qr.claims.get('date', day(qr.issued_at))}. Offline, nothing "
        f"tells whether it has since been amended or withdrawn: {where_en}.",
        verify_url=url,
        **found,
    )


def pdf_lines(check: ReportPdfCheck) -> list[str]:
    lines = [f"文件 SHA-256 File SHA-256: {check.pdf.sha256}"]
    lines.append(f"PDF 签名 PDF signature: {check.pdf.message_zh}")
    lines.append(f"  {check.pdf.message_en}")
    for signature in check.pdf.signatures:
        lines.append(
            f"  签署者 Signer: {signature.signer_subject} (key {signature.signer_kid}); "
            f"签署时间 Signed: {minute(signature.signing_time)} (签署方自述 as the signer states)"
        )
    lines += ["", f"结论：{check.headline_zh}", f"Verdict: {check.headline_en}", check.message_zh, check.message_en]
    if check.qr is not None:
        lines += ["", "所附二维码 Attached QR code:", *(f"  {line}" for line in verdict_lines(check.qr))]
    if check.data_sha256 is not None:
        claimed = (check.qr.claims or {}).get("sha") if check.qr is not None else None
        match = (
            "与二维码一致 matches the code"
            if claimed == check.data_sha256
            else "与二维码不符 does not match the code"
            if claimed
            else "无从比对 nothing to compare with"
        )
        lines.append(f"报告数据 SHA-256 Report data SHA-256 (report.json): {check.data_sha256} ({match})")
    return lines


def run(
    *,
    text: str | None,
    trust_list_path: str,
    image_path: str | None = None,
    pdf_path: str | None = None,
    platform_key_fingerprint: str | None = None,
    now: dt.datetime | None = None,
    out: Writer,
) -> int:
    now = now or dt.datetime.now(dt.UTC)
    try:
        trust = load_trust_list(Path(trust_list_path).read_bytes(), platform_key_fingerprint=platform_key_fingerprint)
    except OSError as exc:
        out.write(f"无法读取信任列表 Cannot read the trust list: {exc.strerror or exc}\n")
        return CANNOT_VERIFY
    except TrustListError as exc:
        out.write(f"{exc.message_zh}\n{exc.message_en}\n")
        return CANNOT_VERIFY
    out.write("\n".join(_trust_lines(trust)) + "\n\n")
    if pdf_path:
        return _run_pdf(pdf_path, trust, now, out)
    if image_path:
        try:
            codes = qr_texts(Path(image_path).read_bytes())
        except OSError as exc:
            out.write(f"无法读取图片 Cannot read the image: {exc.strerror or exc}\n")
            return CANNOT_VERIFY
        except ImageProblem as exc:
            out.write(f"{exc.message_zh}\n{exc.message_en}\n")
            return CANNOT_VERIFY
    elif text:
        codes = [text]
    else:
        out.write("请给出二维码文本、--image 图片或 --pdf 文件。 Give the code's text, --image FILE or --pdf FILE.\n")
        return CANNOT_VERIFY
    results = []
    for index, code in enumerate(codes):
        if len(codes) > 1:
            out.write(f"--- 二维码 QR code {index + 1} / {len(codes)} ---\n")
        verdict = verify_qr(code, trust, now)
        results.append(verdict)
        out.write("\n".join(verdict_lines(verdict)) + "\n")
    return OK if all(v.ok for v in results) else NOT_GENUINE


def _run_pdf(path: str, trust: TrustList, now: dt.datetime, out: Writer) -> int:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        out.write(f"无法读取文件 Cannot read the file: {exc.strerror or exc}\n")
        return CANNOT_VERIFY
    check = report_pdf_check(data, trust, now)
    out.write("\n".join(pdf_lines(check)) + "\n")
    if check.pdf.status is PdfStatus.DAMAGED:
        return CANNOT_VERIFY
    return OK if check.ok else NOT_GENUINE
