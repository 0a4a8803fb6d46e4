"""Reports API schemas: report versions as both parties see them, and what issuing, withdrawing, opening a
correction and the enterprise's summary choice take."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import NoReverseMatch, reverse
from ninja import Field, Schema

from tichub.core.api_support import RowId

from .report_services import MAX_REASON, verify_url


def download_url(report_id: int) -> str:
    """The report's PDF (report_shares:download), or "" while that route is not installed."""
    try:
        return reverse("report_shares:download", args=[report_id])
    except NoReverseMatch:
        return ""


def _is_issuer(obj: Any, context: Any) -> bool:
    request = (context or {}).get("request")
    actor = getattr(request, "actor", None)
    return actor is not None and actor.organisation_id == obj.institution_id


class PartyOut(Schema):
    id: int
    name_zh: str
    name_en: str


class ReportOut(Schema):
    id: int
    number: str
    version: int = Field(description="1 for the original; n + 1 is amendment n")
    status: str = Field(description="issued (current), superseded (by a newer version) or withdrawn")
    public_id: str = Field(description="unguessable id of this version on the public verification page")
    verify_url: str = ""
    download_url: str = Field("", description="the signed PDF (both parties)")
    issued_at: dt.datetime
    issued_by: str = Field(description="the authorized signatory who issued this version")
    valid_until: dt.date | None = Field(description="the claim validity the QR code carries (exp), if any")
    institution: PartyOut
    enterprise: PartyOut
    order_id: int
    sample_id: int
    sample_number: str = Field(alias="sample.number")
    product: str
    conclusion: str = Field(description="pass, conditional_pass, conditional_fail, fail or none")
    conclusion_zh: str
    conclusion_en: str
    summary_public: bool = Field(description="the enterprise shows product and conclusion on the verification page")
    amends_id: int | None = Field(description="the version this one amends")
    amendment_reason: str
    withdrawn_at: dt.datetime | None
    withdrawal_reason: str
    sha256: str = Field(description="SHA-256 of the signed PDF file")
    content_sha256: str = Field(description="SHA-256 of report.json, the QR code's sha claim")
    pages: int
    kid: str = Field(description="the key that signed the QR code")
    pdf_kid: str = Field(description="the key that signed the PDF")
    verification_count: int | None = Field(None, description="lookups on the verification service (issuer only)")
    last_verified_at: dt.datetime | None = Field(None, description="issuer only")

    @staticmethod
    def resolve_issued_by(obj: Any) -> str:
        return str(obj.issued_by.name)

    @staticmethod
    def resolve_verify_url(obj: Any) -> str:
        return verify_url(obj.public_id)

    @staticmethod
    def resolve_download_url(obj: Any) -> str:
        return download_url(obj.pk)

    @staticmethod
    def resolve_verification_count(obj: Any, context: Any) -> int | None:
        return int(obj.verification_count) if _is_issuer(obj, context) else None

    @staticmethod
    def resolve_last_verified_at(obj: Any, context: Any) -> dt.datetime | None:
        return obj.last_verified_at if _is_issuer(obj, context) else None


class VersionOut(Schema):
    id: int
    version: int
    status: str
    issued_at: dt.datetime
    amendment_reason: str
    withdrawal_reason: str


class ReportDetailOut(ReportOut):
    versions: list[VersionOut] = Field(description="every version of the number, oldest first")
    correction_open: bool = Field(
        description="the laboratory reopened the sample to correct results; this version stays valid until amended"
    )


class ReportIssueIn(Schema):
    sample_id: RowId
    reason: str = Field("", max_length=MAX_REASON, description="required to amend a current version; else empty")
    valid_until: dt.date | None = Field(None, description="optional claim validity, after the day of issue")
    expected_version: int | None = Field(
        None,
        ge=0,
        le=32767,
        description="the version you saw as current (0: none); refused with 409 report_changed if it is no longer",
    )


class ReasonIn(Schema):
    reason: str = Field(max_length=MAX_REASON, description="required, at most 2,000 characters")


class SummaryIn(Schema):
    public: bool = Field(description="show product and conclusion on the public verification page")
