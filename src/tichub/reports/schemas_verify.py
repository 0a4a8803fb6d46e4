"""Schemas of the public verification API (/api/v1/verify): one answer shape for an id, a code, a photo, a PDF."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from ninja import Field, Schema

from .report_services import verify_url
from .verify_selectors import MAX_TEXT, Signature, VerifyResult


class CodeIn(Schema):
    text: str = Field(
        ...,
        min_length=1,
        max_length=MAX_TEXT,
        description="the QR code's text (TIC1:...), or a verification id or address",
    )


class InstitutionOut(Schema):
    name_zh: str
    name_en: str


class PublicReportOut(Schema):
    """What the public may see of a report version; product and conclusion are null when the enterprise keeps
    them off the verification page."""

    public_id: str
    number: str
    version: int
    status: str = Field(..., description="issued, superseded or withdrawn")
    issued_on: dt.date
    institution: InstitutionOut
    product: str | None
    conclusion: str | None = Field(..., description="pass, conditional_pass, conditional_fail, fail or none")
    conclusion_zh: str | None
    conclusion_en: str | None
    valid_until: dt.date | None
    withdrawn_on: dt.date | None
    withdrawal_reason: str
    verify_url: str


class NewerOut(Schema):
    public_id: str
    version: int
    status: str
    amendment_reason: str


class ClaimOut(Schema):
    label_zh: str
    label_en: str
    value: str


class QrSignatureOut(Schema):
    status: str
    kid: str | None
    institution_zh: str
    institution_en: str
    key_status: str | None
    signed_at: dt.datetime | None
    expires_at: dt.datetime | None
    claims: list[ClaimOut]


class PdfSignatureOut(Schema):
    field_name: str
    valid: bool
    signer: str
    kid: str
    institution_zh: str
    institution_en: str
    signed_at: dt.datetime | None = Field(..., description="as the signer states it")
    key_status: str | None


class SignatureOut(Schema):
    file_sha256: str | None
    pdf_status: str | None
    pdf_message_zh: str
    pdf_message_en: str
    pdf: list[PdfSignatureOut]
    data_sha256: str | None = Field(..., description="SHA-256 of the report data the PDF attaches (report.json)")
    qr: QrSignatureOut | None


class VerifyBase(Schema):
    status: str = Field(
        ...,
        description="genuine (and current), superseded, withdrawn, not_found, no_record, inconsistent, expired, "
        "altered, modified, malformed, not_report, unknown_key, untrusted, wrong_institution, revoked, "
        "key_not_valid, not_yet_valid, data_mismatch",
    )
    headline_zh: str
    headline_en: str
    message_zh: str
    message_en: str
    report: PublicReportOut | None
    newer: NewerOut | None
    signature: SignatureOut | None


class VerifyOut(VerifyBase):
    """A verdict: shown as it is, Chinese and English side by side."""


class ImageVerifyOut(VerifyBase):
    """The verdict on the first code that is not genuine and current (else the first code), and on each code."""

    codes: list[VerifyBase]


def result_out(result: VerifyResult) -> dict[str, object]:
    """A VerifyResult as the API answers it (`verify_url`: the report's public page)."""
    report = result.report
    return {
        "status": result.status.value,
        "headline_zh": result.headline_zh,
        "headline_en": result.headline_en,
        "message_zh": result.message_zh,
        "message_en": result.message_en,
        "report": None
        if report is None
        else {
            "public_id": report.public_id,
            "number": report.number,
            "version": report.version,
            "status": report.status,
            "issued_on": report.issued_on,
            "institution": {"name_zh": report.institution_zh, "name_en": report.institution_en},
            "product": report.product,
            "conclusion": report.conclusion,
            "conclusion_zh": report.conclusion_zh,
            "conclusion_en": report.conclusion_en,
            "valid_until": report.valid_until,
            "withdrawn_on": report.withdrawn_on,
            "withdrawal_reason": report.withdrawal_reason,
            "verify_url": verify_url(report.public_id),
        },
        "newer": None
        if result.newer is None
        else {
            "public_id": result.newer.public_id,
            "version": result.newer.version,
            "status": result.newer.status,
            "amendment_reason": result.newer.amendment_reason,
        },
        "signature": _signature(result.signature),
    }


def _signature(signature: Signature | None) -> dict[str, object] | None:
    if signature is None:
        return None
    return {
        "file_sha256": signature.file_sha256,
        "pdf_status": signature.pdf_status,
        "pdf_message_zh": signature.pdf_message_zh,
        "pdf_message_en": signature.pdf_message_en,
        "pdf": [asdict(item) for item in signature.pdf],
        "data_sha256": signature.data_sha256,
        "qr": asdict(signature.qr) if signature.qr is not None else None,
    }
