"""Issue, amend and withdraw reports (ISO/IEC 17025 7.8.1, 7.8.8).

* `report_issue` renders the content of a sample whose tests are all approved, signs the QR code and the PDF with
  the institution's keys (tichub.trust.sign_services.document_seal) and stores the file with its SHA-256. When the
  sample already has a current report, the new version is an amendment: it needs a reason, names the version it
  replaces, and the old version becomes *superseded* (it keeps verifying, with a link to the new one).
* `report_withdraw` withdraws the current version with a reason: it verifies as *withdrawn* from then on.
* `report_summary_set`: the enterprise shows or hides the product and conclusion on the public verification page.

The enterprise is told of every issue, amendment and withdrawal, in the app and by e-mail, and the order's
timeline records it.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import secrets
from collections.abc import Sequence

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tichub.accounts.models import User
from tichub.core.audit import audit_record, snapshot
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.notifications import by_language, notify
from tichub.core.tenancy import Actor
from tichub.lims.choices import SampleStatus, TestStatus
from tichub.lims.method_selectors import authorisations, covers
from tichub.lims.models import LabSample, Test
from tichub.marketplace.timeline import timeline_add
from tichub.trust.sign_services import document_seal

from .choices import ReportStatus
from .content_selectors import content_sha256, report_content, report_tests
from .models import Report
from .render import render_report
from .report_selectors import enterprise_people, report_not_found

ISSUE, WITHDRAW, SHARE = "reports.issue", "reports.withdraw", "reports.share"
MAX_REASON = 2000
SUMMARY_PRODUCT_CHARS = 80  # the QR code's `prod` claim: enough to name the product, short enough to scan


def new_public_id() -> str:
    """128 random bits as 26 lower-case base32 characters: unguessable, and safe to read out or type."""
    return base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=").lower()


def verify_url(public_id: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("reports_public:verify", args=[public_id])


def _reason(text: str, field: str, *, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ServiceError.field(field, _("请填写原因。"))
    if len(text) > MAX_REASON:
        raise ServiceError.field(field, _("原因不能超过 %(n)d 个字符。") % {"n": MAX_REASON})
    return text


def _locked_sample(actor: Actor, sample_id: int) -> LabSample:
    sample = (
        LabSample.objects.select_for_update(of=("self",))
        .select_related("order", "institution", "enterprise", "announcement")
        .filter(institution_id=actor.tenant_id, pk=sample_id)
        .first()
    )
    if sample is None:
        raise NotFound(_("没有找到该样品。"))
    if sample.parent_id is not None:
        raise Conflict(
            _("%(sample)s 是分样：报告按母样出具，分样的结果写入母样的报告。") % {"sample": sample.number},
            code="report_subsample",
        )
    return sample


def _check_ready(sample: LabSample, tests: Sequence[Test]) -> None:
    if not tests:
        raise Conflict(
            _("样品 %(sample)s 没有检测项目，不能出具报告。") % {"sample": sample.number}, code="report_empty"
        )
    waiting = [f"{test.sample.number} {test.parameter}" for test in tests if test.status != TestStatus.APPROVED]
    if waiting:
        raise Conflict(
            _("以下项目尚未批准，不能出具报告：%(items)s") % {"items": "、".join(waiting)}, code="report_not_ready"
        )


def _check_signatory(actor: Actor, tests: Sequence[Test], on: dt.date) -> None:
    """The issuer must be an authorized signatory for every method edition on the report (ISO/IEC 17025 6.2.6)."""
    held = authorisations(actor, user_id=actor.person.pk)
    outside = [test.parameter for test in tests if not covers(held, test, on)]
    if outside:
        raise Conflict(
            _("您的签字授权不包括以下项目的方法，不能签发此报告：%(items)s") % {"items": "、".join(outside)},
            code="report_signatory_scope",
        )


def _pages(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"])


def report_issue(
    *,
    actor: Actor,
    sample_id: int,
    reason: str = "",
    valid_until: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """Issue the report of a sample whose live tests are all approved (an authorized signatory, within their
    authorisation). With a current report already issued for the sample this is an amendment (ISO/IEC 17025
    7.8.8.2) and `reason` is required; the previous version becomes superseded. Conflict when the institution has
    no usable signing key."""
    actor.require(ISSUE)
    now = now or timezone.now()
    issued_on = timezone.localdate(now)
    if valid_until is not None and valid_until <= issued_on:
        raise ServiceError.field("valid_until", _("声明有效期须晚于签发日期。"))
    with transaction.atomic():
        sample = _locked_sample(actor, sample_id)
        current = Report.objects.select_for_update().filter(sample_id=sample.pk, status=ReportStatus.ISSUED).first()
        reason = _reason(reason, "reason", required=current is not None) if current is not None else ""
        tests = report_tests(sample)
        _check_ready(sample, tests)
        _check_signatory(actor, tests, issued_on)
        number = current.number if current is not None else _number(actor, issued_on)
        version = current.version + 1 if current is not None else 1
        public_id = new_public_id()
        content = report_content(
            sample=sample,
            tests=tests,
            number=number,
            version=version,
            public_id=public_id,
            verify_url=verify_url(public_id),
            issued_at=now,
            issuer=actor.person,
            amends=current,
            amendment_reason=reason,
            valid_until=valid_until,
        )
        digest = content_sha256(content)
        statement = content["statement"]
        claims = {
            "no": number,
            "v": version,
            "date": issued_on.isoformat(),
            "prod": sample.description[:SUMMARY_PRODUCT_CHARS],
            "concl": statement["decision"],
            "sha": digest,
            "id": public_id,
        }
        expires = (
            timezone.make_aware(dt.datetime.combine(valid_until, dt.time.max)) if valid_until is not None else None
        )
        sealed = document_seal(
            actor=actor,
            claims=claims,
            render=lambda qr_text: render_report(content, qr_text),
            reason="检测报告签发 Test report issued" if current is None else "检测报告更正 Test report amended",
            location=sample.institution.address_zh or sample.institution.name_zh,
            expires_at=expires,
        )
        if current is not None:
            Report.objects.filter(pk=current.pk).update(status=ReportStatus.SUPERSEDED)
        report = Report(
            institution_id=sample.institution_id,
            enterprise_id=sample.enterprise_id,
            order_id=sample.order_id,
            sample=sample,
            number=number,
            version=version,
            amends=current,
            amendment_reason=reason,
            public_id=public_id,
            issued_at=now,
            issued_by=actor.person,
            valid_until=valid_until,
            product=sample.description,
            conclusion=statement["decision"],
            conclusion_zh=statement["text_zh"][:200],
            conclusion_en=statement["text_en"][:200],
            summary_public=current.summary_public if current is not None else True,
            content=content,
            content_sha256=digest,
            sha256=sealed.sha256,
            pages=_pages(sealed.pdf),
            qr_text=sealed.qr_text,
            kid=sealed.kid,
            pdf_kid=sealed.pdf_kid,
        )
        report.pdf.save(f"{number}-v{version}.pdf", ContentFile(sealed.pdf), save=False)
        report.save()
        LabSample.objects.filter(pk=sample.pk).update(status=SampleStatus.REPORTED)
        audit_record(
            actor=actor,
            action="report.amend" if current is not None else "report.issue",
            obj=report,
            after={"number": number, "version": version, "sha256": sealed.sha256, "kid": sealed.kid},
            reason=reason,
        )
        _announce(actor, report, amended=current)
    return report


def _number(actor: Actor, on: dt.date) -> str:
    from tichub.core.numbering import number_next

    return number_next(organisation_id=actor.tenant_id, kind="report", on=on)


def report_withdraw(*, actor: Actor, report_id: int, reason: str) -> Report:
    """Withdraw the current version of a report with a reason (ISO/IEC 17025 7.8.8): it verifies as withdrawn,
    the enterprise is told. A superseded or already withdrawn version is refused."""
    actor.require(WITHDRAW)
    reason = _reason(reason, "reason", required=True)
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(institution_id=actor.tenant_id, pk=report_id).first()
        if report is None:
            raise report_not_found()
        if report.status != ReportStatus.ISSUED:
            raise Conflict(
                _("报告 %(report)s 当前状态为“%(state)s”，只有有效的报告可以撤回。")
                % {"report": report, "state": report.get_status_display()},
                code="report_state",
            )
        before = snapshot(report, ["status"])
        report.status = ReportStatus.WITHDRAWN
        report.withdrawn_at = timezone.now()
        report.withdrawn_by = actor.person
        report.withdrawal_reason = reason
        report.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        audit_record(
            actor=actor,
            action="report.withdraw",
            obj=report,
            before=before,
            after={"status": report.status},
            reason=reason,
        )
        _announce(actor, report, withdrawn=True)
    return report


def report_summary_set(*, actor: Actor, report_id: int, public: bool) -> Report:
    """The enterprise shows (`public`) or hides the product and conclusion on the report's public verification
    page. The QR code printed on the report carries them whatever this says: it is read from the paper."""
    actor.require(SHARE)
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(enterprise_id=actor.tenant_id, pk=report_id).first()
        if report is None:
            raise report_not_found()
        if report.summary_public != public:
            before = snapshot(report, ["summary_public"])
            report.summary_public = public
            report.save(update_fields=["summary_public"])
            audit_record(
                actor=actor, action="report.summary", obj=report, before=before, after={"summary_public": public}
            )
    return report


def _announce(actor: Actor, report: Report, *, amended: Report | None = None, withdrawn: bool = False) -> None:
    """Tell the enterprise (app + e-mail, each person in their language) and write the order's timeline."""
    url = reverse("reports:detail", args=[report.pk])
    if withdrawn:
        zh = f"报告 {report} 已撤回。原因：{report.withdrawal_reason}"
        en = f"Report {report} has been withdrawn. Reason: {report.withdrawal_reason}"
        kind = "report.withdrawn"
    elif amended is not None:
        zh = (
            f"报告 {report.number} 已发布第 {report.version - 1} 次更正（替代第 {amended.version} 版）。"
            f"原因：{report.amendment_reason}"
        )
        en = (
            f"Amendment {report.version - 1} to report {report.number} has been issued (it replaces version "
            f"{amended.version}). Reason: {report.amendment_reason}"
        )
        kind = "report.amended"
    else:
        zh = f"检测报告 {report.number} 已签发，可下载并分享。"
        en = f"Test report {report.number} has been issued: download or share it."
        kind = "report.issued"
    timeline_add(report.order_id, kind, zh, en, actor)
    people: list[User] = enterprise_people(report.enterprise_id)
    for language, users in by_language(people).items():
        with translation.override(language):
            text = zh if language.startswith("zh") else en
            notify(
                users=users,
                organisation_id=report.enterprise_id,
                title=text[:200],
                body=text,
                url=url,
                email=True,
            )
