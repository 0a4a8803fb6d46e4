"""Public verification of reports: what anyone may learn about a report from its verification id, its signed QR
code (pasted, or in a photo) or its PDF, in plain words, Chinese and English side by side whatever the interface
language (ISO/IEC 17025 7.8.8: an amended or withdrawn report must not pass for the current one).

No actor: the verifier is anyone. The answer says only what a verifier needs (DESIGN.md, "public endpoints reveal
nothing beyond what a verifier needs"): number, version, date of issue, the institution, the state (current;
superseded, with a link to the newest version and the reasons for the amendments; withdrawn, with the reason and
date) and, while the enterprise allows it (`Report.summary_public`), the product and the conclusion. Never the
customer, never a result.

* `report_state(public_id)`: one indexed query (a superseded version costs a second, for its successors). An id
  that is not 26 characters of lower-case base32 is not looked up: it is simply not found, with the same answer
  as an unknown id.
* `verify_text`, `verify_image`, `verify_pdf`: the offline checks of tichub.trust (verify_qr, report_pdf_check)
  against the platform's trust list (built from the database, cached, parsed once per published version), then
  the report's state, found by the code's `id` claim, after checking that the record says what the code says.

Every result that names a report carries it in `report`; the caller counts the lookup
(verify_services.report_verifications_count).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Final

from django.utils import timezone

from tichub.core.errors import ServiceError
from tichub.science.signedqr import DEFAULT_PREFIX
from tichub.trust import verify_cli
from tichub.trust.pdf_signing import PdfSignature
from tichub.trust.qr_image import MAX_IMAGE_BYTES, ImageProblem, qr_texts
from tichub.trust.trust_list_selectors import trust_list_published
from tichub.trust.verify import (
    KeyEntry,
    Status,
    TrustList,
    Verdict,
    claims_in_words,
    load_trust_list,
    minute,
    verify_qr,
)

from .choices import ReportStatus
from .models import Report

PUBLIC_ID: Final = re.compile(r"[a-z2-7]{26}")
#: A verification id typed or pasted: the bare id, or the address printed beside the code.
_TYPED_ID: Final = re.compile(r"(?:(?:https?://)?[^\s/]+)?/verify/([A-Za-z2-7]{26})/?|([A-Za-z2-7]{26})")
MAX_TEXT: Final = 4296  # the most a QR code holds (version 40, alphanumeric)
MAX_PHOTO_BYTES: Final = MAX_IMAGE_BYTES  # 20 MB: what tichub.trust.qr_image reads
MAX_PDF_BYTES: Final = 20 * 1024 * 1024
_FIELDS: Final = (
    "id",
    "public_id",
    "number",
    "version",
    "status",
    "issued_at",
    "valid_until",
    "product",
    "conclusion",
    "conclusion_zh",
    "conclusion_en",
    "summary_public",
    "content_sha256",
    "pdf_kid",
    "withdrawn_at",
    "withdrawal_reason",
    "institution_id",
    "institution__name_zh",
    "institution__name_en",
    "institution__slug",
    "institution__is_active",
)


class Outcome(StrEnum):
    """What the verifier is told. The first four come from the platform's records; the others from checking a
    signature (tichub.trust.verify.Status and the PDF statuses of tichub.trust.verify_cli)."""

    GENUINE = "genuine"  # genuine, and the current version
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"
    NOT_FOUND = "not_found"
    NO_RECORD = "no_record"  # a genuine signature, but the platform has no such report
    INCONSISTENT = "inconsistent"  # a genuine signature, but the record says otherwise
    EXPIRED = "expired"
    ALTERED = "altered"
    MODIFIED = "modified"
    MALFORMED = "malformed"
    NOT_REPORT = "not_report"
    UNKNOWN_KEY = "unknown_key"
    UNTRUSTED = "untrusted"
    WRONG_INSTITUTION = "wrong_institution"
    REVOKED = "revoked"
    KEY_NOT_VALID = "key_not_valid"
    NOT_YET_VALID = "not_yet_valid"
    DATA_MISMATCH = "data_mismatch"


HEADLINES: Final[Mapping[Outcome, tuple[str, str]]] = {
    Outcome.GENUINE: ("真实有效", "Genuine and current"),
    Outcome.SUPERSEDED: ("已被更正版替代", "Superseded"),
    Outcome.WITHDRAWN: ("已撤回", "Withdrawn"),
    Outcome.NOT_FOUND: ("未找到", "Not found"),
    Outcome.NO_RECORD: ("平台无记录", "No record on this platform"),
    Outcome.INCONSISTENT: ("与平台记录不符", "Does not match the record"),
    Outcome.EXPIRED: ("已过期", "Expired"),
    Outcome.ALTERED: ("内容被改动或伪造", "Altered or forged"),
    Outcome.MODIFIED: ("签署后被修改", "Modified after signing"),
    Outcome.MALFORMED: ("无法识别", "Not readable"),
    Outcome.NOT_REPORT: ("不是 TICHub 报告", "Not a TICHub report"),
    Outcome.UNKNOWN_KEY: ("未知签名密钥", "Unknown signing key"),
    Outcome.UNTRUSTED: ("签名者不可信", "Unknown signer"),
    Outcome.WRONG_INSTITUTION: ("冒用机构名义", "Signed by another institution"),
    Outcome.REVOKED: ("签名密钥已吊销", "Signing key revoked"),
    Outcome.KEY_NOT_VALID: ("签名时密钥无效", "Key not valid when signed"),
    Outcome.NOT_YET_VALID: ("签发时间在未来", "Issued in the future"),
    Outcome.DATA_MISMATCH: ("报告数据与二维码不符", "Report data do not match the code"),
}
#: The colour of the verdict: green, amber, red, grey.
TONES: Final[Mapping[Outcome, str]] = {
    Outcome.GENUINE: "ok",
    Outcome.SUPERSEDED: "warn",
    Outcome.EXPIRED: "warn",
    Outcome.NO_RECORD: "warn",
    Outcome.NOT_FOUND: "none",
    Outcome.MALFORMED: "none",
    Outcome.NOT_REPORT: "none",
}


class UploadTooLarge(ServiceError):
    status = 413


@dataclass(frozen=True)
class PublicReport:
    """What the public may see of one report version. `product` and the conclusion are None when the enterprise
    keeps them off the verification page; `report_id` is for counting, never shown."""

    report_id: int
    public_id: str
    number: str
    version: int
    status: str
    issued_on: dt.date
    institution_zh: str
    institution_en: str
    institution_slug: str  # the institution's public profile, when it is listed
    product: str | None
    conclusion: str | None
    conclusion_zh: str | None
    conclusion_en: str | None
    valid_until: dt.date | None
    withdrawn_on: dt.date | None
    withdrawal_reason: str


@dataclass(frozen=True)
class Newer:
    """The newest version of a superseded report."""

    public_id: str
    version: int
    status: str
    amendment_reason: str


@dataclass(frozen=True)
class Claim:
    label_zh: str
    label_en: str
    value: str


@dataclass(frozen=True)
class QrSignature:
    """The signed code's verdict; its claims only when the signature verified and the key may sign it."""

    status: str
    kid: str | None
    institution_zh: str
    institution_en: str
    key_status: str | None
    signed_at: dt.datetime | None
    expires_at: dt.datetime | None
    claims: tuple[Claim, ...]


@dataclass(frozen=True)
class PdfSignatureInfo:
    field_name: str
    valid: bool
    signer: str
    kid: str
    institution_zh: str
    institution_en: str
    signed_at: dt.datetime | None  # as the signer states it
    key_status: str | None


@dataclass(frozen=True)
class Signature:
    """How a code or a file was checked: the uploaded file's SHA-256, the PDF's signatures and verdict, the SHA-256
    of the report data it attaches, and the attached or pasted code."""

    file_sha256: str | None = None
    pdf_status: str | None = None
    pdf_message_zh: str = ""
    pdf_message_en: str = ""
    pdf: tuple[PdfSignatureInfo, ...] = ()
    data_sha256: str | None = None
    qr: QrSignature | None = None


@dataclass(frozen=True)
class VerifyResult:
    status: Outcome
    message_zh: str
    message_en: str
    report: PublicReport | None = None
    newer: Newer | None = None
    signature: Signature | None = None

    @property
    def headline_zh(self) -> str:
        return HEADLINES[self.status][0]

    @property
    def headline_en(self) -> str:
        return HEADLINES[self.status][1]

    @property
    def tone(self) -> str:
        return TONES.get(self.status, "bad")

    @property
    def ok(self) -> bool:
        return self.status is Outcome.GENUINE


NOT_FOUND: Final = VerifyResult(
    Outcome.NOT_FOUND,
    "未找到：本平台没有这个核验编号的报告。请核对编号或网址；如报告来自别处，请向出具机构核实。",
    "Not found: this platform has no report with this verification id. Check the id or the address; if the "
    "report came from elsewhere, ask the body that issued it.",
)


# --- the platform's records ------------------------------------------------------------------------------------


def _one(public_id: object) -> Report | None:
    if not isinstance(public_id, str) or not PUBLIC_ID.fullmatch(public_id):
        return None
    rows = list(Report.objects.filter(public_id=public_id).select_related("institution").only(*_FIELDS).order_by()[:1])
    return rows[0] if rows else None


def _public(row: Report) -> PublicReport:
    shown = row.summary_public
    institution = row.institution
    return PublicReport(
        report_id=row.pk,
        public_id=row.public_id,
        number=row.number,
        version=row.version,
        status=row.status,
        issued_on=timezone.localdate(row.issued_at),
        institution_zh=institution.name_zh,
        institution_en=institution.name_en or institution.name_zh,
        institution_slug=institution.slug if institution.is_active else "",
        product=row.product if shown else None,
        conclusion=row.conclusion if shown else None,
        conclusion_zh=row.conclusion_zh if shown else None,
        conclusion_en=row.conclusion_en if shown else None,
        valid_until=row.valid_until,
        withdrawn_on=timezone.localdate(row.withdrawn_at) if row.withdrawn_at else None,
        withdrawal_reason=row.withdrawal_reason if row.status == ReportStatus.WITHDRAWN else "",
    )


def _later_versions(row: Report) -> list[Report]:
    return list(
        Report.objects.filter(institution_id=row.institution_id, number=row.number, version__gt=row.version)
        .only("public_id", "version", "status", "amendment_reason", "withdrawn_at", "withdrawal_reason")
        .order_by("version")
    )


def _reasons(later: Sequence[Report]) -> tuple[str, str]:
    if len(later) == 1:
        return f"更正原因：{later[0].amendment_reason}", f"reason for the amendment: {later[0].amendment_reason}"
    return (
        "更正原因：" + "；".join(f"第 {r.version} 版：{r.amendment_reason}" for r in later),
        "reasons for the amendments: " + "; ".join(f"version {r.version}: {r.amendment_reason}" for r in later),
    )


def _state(row: Report, *, how_zh: str = "", how_en: str = "") -> VerifyResult:
    """The report's state in plain words; `how_*` says how the verifier's copy was matched to it."""
    public = _public(row)
    what_zh = f"报告 {row.number} 第 {row.version} 版由{public.institution_zh}于 {public.issued_on} 签发"
    what_en = f"report {row.number} version {row.version}, issued by {public.institution_en} on {public.issued_on},"
    if row.status == ReportStatus.WITHDRAWN:
        return VerifyResult(
            Outcome.WITHDRAWN,
            f"已撤回：{what_zh}，已于 {public.withdrawn_on} 撤回（撤回原因：{row.withdrawal_reason}），"
            f"不再有效。{how_zh}",
            f"Withdrawn: {what_en} was withdrawn on {public.withdrawn_on} (reason: {row.withdrawal_reason}) and is "
            f"no longer valid.{how_en}",
            report=public,
        )
    if row.status == ReportStatus.SUPERSEDED:
        later = _later_versions(row)
        if not later:  # an amendment is always recorded with its version; said plainly all the same
            return VerifyResult(
                Outcome.SUPERSEDED,
                f"已被更正版替代：{what_zh}，已被更正，不再是现行版本。{how_zh}",
                f"Superseded: {what_en} has been amended and is no longer the current version.{how_en}",
                report=public,
            )
        newest = later[-1]
        reason_zh, reason_en = _reasons(later)
        gone_zh = gone_en = ""
        if newest.status == ReportStatus.WITHDRAWN and newest.withdrawn_at is not None:
            when = timezone.localdate(newest.withdrawn_at)
            gone_zh = f"最新的第 {newest.version} 版也已于 {when} 撤回（撤回原因：{newest.withdrawal_reason}）。"
            gone_en = (
                f" The newest version, {newest.version}, was withdrawn on {when} too (reason: "
                f"{newest.withdrawal_reason})."
            )
        return VerifyResult(
            Outcome.SUPERSEDED,
            f"已被更正版替代：{what_zh}，已被第 {newest.version} 版替代（{reason_zh}），请以最新版本为准。"
            f"{gone_zh}{how_zh}",
            f"Superseded: {what_en} has been replaced by version {newest.version} ({reason_en}): rely on the "
            f"newest version only.{gone_en}{how_en}",
            report=public,
            newer=Newer(newest.public_id, newest.version, newest.status, newest.amendment_reason),
        )
    return VerifyResult(
        Outcome.GENUINE,
        f"真实有效：{what_zh}，是现行有效版本。{how_zh}",
        f"Genuine and current: {what_en} is the current version.{how_en}",
        report=public,
    )


def report_state(public_id: str) -> VerifyResult:
    """The state of the report version whose verification id is `public_id`; not found for anything else."""
    row = _one(public_id)
    return _state(row) if row is not None else NOT_FOUND


# --- signed codes and files ------------------------------------------------------------------------------------

_parsed: dict[str, TrustList] = {}


def platform_trust_list(now: dt.datetime | None = None) -> TrustList:
    """The platform's current trust list, parsed once per published version (its ETag) in each process.
    TrustListUnavailable (503) before `tichub trust init`."""
    published = trust_list_published(now=now)
    found = _parsed.get(published.etag)
    if found is None:
        found = load_trust_list(published.content)
        _parsed.clear()
        _parsed[published.etag] = found
    return found


def _qr_signature(verdict: Verdict) -> QrSignature:
    verified = verdict.status in (Status.GENUINE, Status.EXPIRED)
    key = verdict.key
    return QrSignature(
        status=verdict.status.value,
        kid=verdict.kid,
        institution_zh=key.owner_zh if key is not None else "",
        institution_en=key.owner_en if key is not None else "",
        key_status=key.status if key is not None else None,
        signed_at=verdict.issued_at if verified else None,
        expires_at=verdict.expires_at if verified else None,
        claims=tuple(Claim(*row) for row in claims_in_words(verdict)) if verified else (),
    )


def _row_for(claims: Mapping[str, Any]) -> Report | None:
    """The record a verified code names: by its `id` claim, else by (institution, number, version)."""
    if "id" in claims:
        return _one(claims["id"])
    iss, number, version = claims.get("iss"), claims.get("no"), claims.get("v")
    if type(iss) is not int or not isinstance(number, str) or type(version) is not int:
        return None
    rows = list(
        Report.objects.filter(institution_id=iss, number=number, version=version)
        .select_related("institution")
        .only(*_FIELDS)
        .order_by()[:1]
    )
    return rows[0] if rows else None


def _mismatches(row: Report, claims: Mapping[str, Any], pdf_kids: Sequence[str]) -> list[tuple[str, str]]:
    checks = [
        (row.institution_id == claims.get("iss"), "签发机构", "institution"),
        (row.number == claims.get("no"), "报告编号", "number"),
        (row.version == claims.get("v"), "版本", "version"),
        (row.content_sha256 == claims.get("sha"), "报告数据", "report data"),
        (all(kid == row.pdf_kid for kid in pdf_kids), "PDF 签名密钥", "PDF signing key"),
    ]
    return [(zh, en) for same, zh, en in checks if not same]


def _resolve(
    claims: Mapping[str, Any],
    key: KeyEntry,
    *,
    expires_at: dt.datetime | None,
    signature: Signature,
    how_zh: str,
    how_en: str,
    pdf_kids: Sequence[str] = (),
) -> VerifyResult:
    """A genuine signature: the report it names, if the platform has it and says the same."""
    number = claims.get("no", "?")
    row = _row_for(claims)
    if row is None:
        return VerifyResult(
            Outcome.NO_RECORD,
            f"平台无记录：签名真实（{key.owner_zh}），但本平台没有报告 {number} 的记录。请向{key.owner_zh}核实。",
            f"No record: the signature is genuine ({key.owner_en}), but this platform has no record of report "
            f"{number}. Ask {key.owner_en} about it.",
            signature=signature,
        )
    differ = _mismatches(row, claims, pdf_kids)
    if differ:
        return VerifyResult(
            Outcome.INCONSISTENT,
            f"与平台记录不符：签名真实（{key.owner_zh}），但与本平台对报告 {number} 的记录不符"
            f"（{'、'.join(zh for zh, _en in differ)}）。请勿信任，并向{key.owner_zh}核实。",
            f"Does not match the record: the signature is genuine ({key.owner_en}), but it differs from this "
            f"platform's record of report {number} ({', '.join(en for _zh, en in differ)}). Do not rely on it; ask "
            f"{key.owner_en}.",
            signature=signature,
        )
    result = replace(_state(row, how_zh=how_zh, how_en=how_en), signature=signature)
    if expires_at is None:
        return result
    if result.status is Outcome.GENUINE:
        public = result.report
        assert public is not None
        return replace(
            result,
            status=Outcome.EXPIRED,
            message_zh=f"已过期：报告 {row.number} 第 {row.version} 版由{public.institution_zh}于 {public.issued_on} "
            f"签发，内容真实，但报告声明的有效期已于 {minute(expires_at)} 结束。{how_zh}",
            message_en=f"Expired: report {row.number} version {row.version}, issued by {public.institution_en} on "
            f"{public.issued_on}, is genuine, but its stated validity ended on {minute(expires_at)}.{how_en}",
        )
    return replace(
        result,
        message_zh=f"{result.message_zh}报告声明的有效期也已于 {minute(expires_at)} 结束。",
        message_en=f"{result.message_en} Its stated validity also ended on {minute(expires_at)}.",
    )


QR_HOW: Final = ("二维码签名真实，内容与平台记录一致。", " The QR code's signature is genuine and matches the record.")


def _from_verdict(verdict: Verdict) -> VerifyResult:
    signature = Signature(qr=_qr_signature(verdict))
    if verdict.status not in (Status.GENUINE, Status.EXPIRED) or not verdict.claims or verdict.key is None:
        return VerifyResult(Outcome(verdict.status.value), verdict.message_zh, verdict.message_en, signature=signature)
    expired = verdict.expires_at if verdict.status is Status.EXPIRED else None
    return _resolve(
        verdict.claims, verdict.key, expires_at=expired, signature=signature, how_zh=QR_HOW[0], how_en=QR_HOW[1]
    )


def typed_id(text: str) -> str | None:
    """The verification id in a typed or pasted id or verification address (any case), else None."""
    match = _TYPED_ID.fullmatch(text.strip())
    return (match.group(1) or match.group(2)).lower() if match else None


def verify_text(text: str, now: dt.datetime | None = None) -> VerifyResult:
    """The verdict on a code's text ("TIC1:..."): its signature against the platform's trust list, then the state
    of the report it names. A verification id or address typed instead is looked up as such."""
    public_id = typed_id(text)
    if public_id is not None:
        return report_state(public_id)
    now = now or timezone.now()
    return _from_verdict(verify_qr(text, platform_trust_list(now), now))


def _size(data: bytes, field: str, limit: int) -> None:
    if not data:
        raise ServiceError.field(field, "请选择文件：此文件是空的。 Choose a file: this one is empty.", code="required")
    if len(data) > limit:
        megabytes = limit // (1024 * 1024)
        message = f"文件过大：最多 {megabytes} MB。 The file is too large: {megabytes} MB at most."
        raise UploadTooLarge(message, code="too_large", fields={field: [message]})


def verify_image(data: bytes, now: dt.datetime | None = None, *, field: str = "file") -> list[VerifyResult]:
    """One verdict per TICHub code found in a photo or scan, in reading order (a photo with no TICHub code but
    another QR code: the verdict on that code, "not readable"). ServiceError naming `field` when the image cannot
    be read or holds no QR code."""
    _size(data, field, MAX_PHOTO_BYTES)
    try:
        texts = qr_texts(data)
    except ImageProblem as exc:
        raise ServiceError.field(field, f"{exc.message_zh} {exc.message_en}") from None
    codes = [text for text in texts if text.startswith(DEFAULT_PREFIX)] or texts[:1]
    now = now or timezone.now()
    trust = platform_trust_list(now)
    return [_from_verdict(verify_qr(text, trust, now)) for text in codes]


def worst(results: Sequence[VerifyResult]) -> VerifyResult:
    """The result to lead with: the first that is not genuine and current, else the first."""
    return next((result for result in results if not result.ok), results[0])


def _pdf_signatures(signatures: Sequence[PdfSignature]) -> tuple[PdfSignatureInfo, ...]:
    return tuple(
        PdfSignatureInfo(
            field_name=s.field_name,
            valid=s.intact and s.valid,
            signer=s.signer_subject,
            kid=s.signer_kid,
            institution_zh=s.key.owner_zh if s.key is not None else "",
            institution_en=s.key.owner_en if s.key is not None else "",
            signed_at=s.signing_time,
            key_status=s.key.status if s.key is not None else None,
        )
        for s in signatures
    )


PDF_HOW: Final = (
    "这是该版本的原始文件，与平台存档逐字节一致。",
    " This file is the original of that version, identical byte for byte to the one issued.",
)
PDF_SIGNED_HOW: Final = (
    "文件签名有效，所附二维码真实，报告数据与平台记录一致"
    "（文件与平台存档并非逐字节相同，例如 PDF 阅读器追加了验证数据）。",
    " The file's signature is valid, its QR code is genuine and its report data match the record (the file is not "
    "byte for byte the one issued: a PDF reader may have added validation data).",
)


def verify_pdf(data: bytes, now: dt.datetime | None = None, *, field: str = "file") -> VerifyResult:
    """The verdict on a report PDF. The very file issued (its SHA-256 is on record): that version's state.
    Otherwise the offline check (signature, attached code and report data) says why it is not genuine, or, when
    it passes, the state of the report it names."""
    _size(data, field, MAX_PDF_BYTES)
    digest = hashlib.sha256(data).hexdigest()
    rows = list(Report.objects.filter(sha256=digest).select_related("institution").only(*_FIELDS).order_by()[:1])
    if rows:
        return replace(_state(rows[0], how_zh=PDF_HOW[0], how_en=PDF_HOW[1]), signature=Signature(file_sha256=digest))
    now = now or timezone.now()
    trust = platform_trust_list(now)
    check = verify_cli.report_pdf_check(data, trust, now)
    signature = Signature(
        file_sha256=digest,
        pdf_status=check.pdf.status.value,
        pdf_message_zh=check.pdf.message_zh,
        pdf_message_en=check.pdf.message_en,
        pdf=_pdf_signatures(check.pdf.signatures),
        data_sha256=check.data_sha256,
        qr=_qr_signature(check.qr) if check.qr is not None else None,
    )
    if not check.genuine or check.qr is None or check.qr.claims is None or check.qr.key is None:
        return VerifyResult(Outcome(check.status), check.message_zh, check.message_en, signature=signature)
    return _resolve(
        check.qr.claims,
        check.qr.key,
        expires_at=check.qr.expires_at if check.qr.status is Status.EXPIRED else None,
        signature=signature,
        how_zh=PDF_SIGNED_HOW[0],
        how_en=PDF_SIGNED_HOW[1],
        pdf_kids=[s.signer_kid for s in check.pdf.signatures],
    )
