"""Issue, amend, correct and withdraw reports (ISO/IEC 17025 7.8.1, 7.8.8).

* `report_issue` renders the content of a sample whose live tests are all approved, signs the QR code and the PDF
  with the institution's keys (tichub.trust.sign_services.document_seal) and stores the file with its SHA-256.
  The issuer must be an authorized signatory for every method edition on the report. When the sample already has
  a current version, the new one is an amendment ("Amendment n to report N", 7.8.8.2): it needs a reason, names
  the version it replaces (`amends`), and the old version becomes *superseded* (it keeps verifying, with a link
  to the new one).
* `report_correction_open`: results that must change on a reported sample are corrected through the laboratory's
  own workflow. This puts the sample back to 待出报告 (READY) with a reason, so that the laboratory can retract
  and retest results (lims review_retract refuses a REPORTED sample); the current version stays valid until the
  amendment is issued with the corrected results.
* `report_withdraw` withdraws the current version with a reason: it verifies as *withdrawn* from then on. The
  sample goes back to 待出报告: once its results are corrected, a **new report with a new number** may be issued
  for it (version 1 of that number; a withdrawn report is never amended nor reinstated, and its number is never
  reused).
* `report_summary_set`: the enterprise shows or hides the product and conclusion on the public verification page.

Every refusal is a ServiceError (4xx) naming the field or the rule, raised before anything is written or inside
the transaction that it rolls back: the database is left as it was, and no file is left behind (the PDF is stored
last, after every row is written, and deleted again when the transaction does not commit).

Locks are taken sample first, then report, everywhere (two issues of one sample queue on the sample's row; the
database's `report_one_current_version` constraint is the last guard, answered as a Conflict).

The enterprise is told of every issue, amendment and withdrawal, in the app and by e-mail (after commit), and the
order's timeline records it.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tichub.accounts.models import User
from tichub.core.audit import audit_record, snapshot
from tichub.core.errors import Conflict, ServiceError
from tichub.core.notifications import by_language, notify
from tichub.core.tenancy import Actor
from tichub.lims.choices import SampleStatus
from tichub.lims.models import LabSample
from tichub.lims.statement import headline
from tichub.marketplace.timeline import timeline_add
from tichub.trust.sign_services import document_seal

from .choices import ReportStatus
from .content_selectors import content_sha256, report_content, report_tests
from .models import Report
from .render import render_report
from .report_selectors import enterprise_people, issue_refusal, report_not_found, report_sample

ISSUE, WITHDRAW, SHARE = "reports.issue", "reports.withdraw", "reports.share"
MAX_REASON = 2000
SUMMARY_PRODUCT_CHARS = 80  # the QR code's `prod` claim: enough to name the product, short enough to scan


def new_public_id() -> str:
    """128 random bits as 26 lower-case base32 characters: unguessable, and safe to read out or type."""
    return base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=").lower()


def verify_url(public_id: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("reports_public:verify", args=[public_id])


def _reason(text: str, field: str, *, required: bool, message: str = "") -> str:
    text = (text or "").strip()
    if required and not text:
        raise ServiceError.field(field, message or _("请填写原因。"))
    if len(text) > MAX_REASON:
        raise ServiceError.field(field, _("原因不能超过 %(n)d 个字符。") % {"n": MAX_REASON})
    return text


def _pages(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"])


def _check_expected(current: Report | None, expected_version: int | None) -> None:
    """The caller's view of the sample (the version it saw as current, 0 for none) must still hold."""
    if expected_version is None:
        return
    now_current = current.version if current is not None else 0
    if now_current != expected_version:
        message = (
            _("该样品的报告已有变化：当前有效版本为第 %(v)d 版。请刷新后再操作。") % {"v": now_current}
            if current is not None
            else _("该样品当前没有有效报告（可能已被撤回）。请刷新后再操作。")
        )
        raise Conflict(message, code="report_changed", fields={"expected_version": [message]})


def _report_samples(sample: LabSample) -> Q:
    """The sample and its sub-samples (whose results are on its report)."""
    return Q(pk=sample.pk) | Q(parent_id=sample.pk)


def _mark_reported(sample: LabSample) -> None:
    """The sample is reported, and so are its sub-samples whose tests were ready (their results are on the report:
    a reported sample's results cannot be retracted behind the report)."""
    LabSample.objects.filter(Q(pk=sample.pk) | Q(parent_id=sample.pk, status=SampleStatus.READY)).update(
        status=SampleStatus.REPORTED
    )


def _reopen(sample: LabSample) -> None:
    """Back to 待出报告 (READY) for the sample and its sub-samples that were reported with it."""
    LabSample.objects.filter(_report_samples(sample), status=SampleStatus.REPORTED).update(status=SampleStatus.READY)


def report_issue(
    *,
    actor: Actor,
    sample_id: int,
    reason: str = "",
    valid_until: dt.date | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """Issue the report of a sample whose live tests (its sub-samples' included) are all approved, as an authorized
    signatory within their authorisation. With a current version already issued for the sample this is an
    amendment (ISO/IEC 17025 7.8.8.2): `reason` is required and the previous version becomes superseded; without
    one, `reason` must be empty (a withdrawn report is not amended: its sample gets a new report and number).

    `valid_until`: an optional claim validity (the QR code's `exp`), after the day of issue. `expected_version`:
    the version the caller saw as current (0: none); when another issue came first the call is refused
    (409 `report_changed`) instead of amending what the caller has not seen.

    Refusals (nothing written, no file stored): 403 without "reports.issue"; 404 another institution's sample;
    400 `reason` / `valid_until` / `expected_version`; 409 `report_subsample`, `report_empty`, `report_not_ready`,
    `report_signatory_scope`, `report_not_current`, `report_changed`, `report_concurrent`, and the signing
    service's `no_signing_key` / `signing_key_expired`.
    """
    actor.require(ISSUE)
    now = now or timezone.now()
    issued_on = timezone.localdate(now)
    if valid_until is not None and valid_until <= issued_on:
        raise ServiceError.field("valid_until", _("声明有效期须晚于签发日期。"))
    if expected_version is not None and expected_version < 0:
        raise ServiceError.field("expected_version", _("版本号不能为负数。"))
    reason = _reason(reason, "reason", required=False)
    stored: list[str] = []
    try:
        with transaction.atomic():
            report = _issue(actor, sample_id, reason, valid_until, expected_version, now, stored)
    except BaseException:
        # The row was not committed: the file must not stay behind (it was stored last, so only a failure at
        # commit can get here with one).
        for name in stored:
            Report._meta.get_field("pdf").storage.delete(name)
        raise
    return report


def _issue(
    actor: Actor,
    sample_id: int,
    reason: str,
    valid_until: dt.date | None,
    expected_version: int | None,
    now: dt.datetime,
    stored: list[str],
) -> Report:
    issued_on = timezone.localdate(now)
    sample = report_sample(actor, sample_id, for_update=True)
    current = Report.objects.select_for_update().filter(sample_id=sample.pk, status=ReportStatus.ISSUED).first()
    _check_expected(current, expected_version)
    if current is None and reason:
        message = _("该样品没有有效的报告可更正（已撤回的报告不能更正）：将出具使用新编号的新报告，请勿填写更正原因。")
        raise Conflict(message, code="report_not_current", fields={"reason": [message]})
    if current is not None and not reason:
        raise ServiceError.field(
            "reason",
            _("样品已有有效报告 %(report)s：本次签发为更正版，须填写更正原因。") % {"report": current},
        )
    tests = report_tests(sample)
    refusal = issue_refusal(actor, sample, tests, issued_on)
    if refusal is not None:
        raise refusal
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
    expires = timezone.make_aware(dt.datetime.combine(valid_until, dt.time.max)) if valid_until is not None else None
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
        conclusion_zh=headline(statement["decision"])[0],
        conclusion_en=headline(statement["decision"])[1],
        summary_public=current.summary_public if current is not None else True,
        content=content,
        content_sha256=digest,
        sha256=sealed.sha256,
        pages=_pages(sealed.pdf),
        qr_text=sealed.qr_text,
        kid=sealed.kid,
        pdf_kid=sealed.pdf_kid,
    )
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise Conflict(
            _("样品 %(sample)s 的报告刚刚由他人签发或更正：请刷新后再操作。") % {"sample": sample.number},
            code="report_concurrent",
        ) from None
    _mark_reported(sample)
    audit_record(
        actor=actor,
        action="report.amend" if current is not None else "report.issue",
        obj=report,
        before={"amends": current.pk, "status": ReportStatus.ISSUED} if current is not None else None,
        after={"number": number, "version": version, "sha256": sealed.sha256, "kid": sealed.kid},
        reason=reason,
    )
    _announce(actor, report, amended=current)
    # Last: the file. Everything above is written; a failure from here on rolls back and the caller deletes it.
    report.pdf.save(f"{number}-v{version}.pdf", ContentFile(sealed.pdf), save=False)
    stored.append(report.pdf.name)
    Report.objects.filter(pk=report.pk).update(pdf=report.pdf.name)
    return report


def _number(actor: Actor, on: dt.date) -> str:
    from tichub.core.numbering import number_next

    return number_next(organisation_id=actor.tenant_id, kind="report", on=on)


def _locked_current(actor: Actor, report_id: int, verb: str) -> tuple[Report, LabSample]:
    """The institution's report and its sample, locked sample first (as report_issue does), the report current."""
    sample_id = (
        Report.objects.filter(institution_id=actor.tenant_id, pk=report_id).values_list("sample_id", flat=True).first()
    )
    if sample_id is None:
        raise report_not_found()
    sample = LabSample.objects.select_for_update().get(pk=sample_id)
    report = Report.objects.select_for_update().get(pk=report_id)
    if report.status != ReportStatus.ISSUED:
        raise Conflict(
            _("报告 %(report)s 当前状态为“%(state)s”，只有有效的报告可以%(verb)s。")
            % {"report": report, "state": report.get_status_display(), "verb": verb},
            code="report_state",
        )
    return report, sample


def report_correction_open(*, actor: Actor, report_id: int, reason: str) -> Report:
    """Reopen the sample of a current report so that the laboratory can correct its results: the sample (and its
    reported sub-samples) go back to 待出报告, its approved results can then be retracted and retested in the LIMS,
    and the corrected report is issued as an amendment (report_issue with a reason). The report stays valid, and
    verifies as current, until then. Audit event `report.correction_open` with the reason.

    Refusals: 403 without "reports.issue"; 404 another institution's report; 400 `reason`; 409 `report_state`
    (superseded or withdrawn), `report_correction_open` (already open)."""
    actor.require(ISSUE)
    reason = _reason(reason, "reason", required=True)
    with transaction.atomic():
        report, sample = _locked_current(actor, report_id, pgettext("只有有效的报告可以……", "更正"))
        if sample.status != SampleStatus.REPORTED:
            raise Conflict(
                _("报告 %(report)s 的样品已退回实验室更正（样品状态：%(state)s），无需再次开启。")
                % {"report": report, "state": sample.get_status_display()},
                code="report_correction_open",
            )
        _reopen(sample)
        audit_record(
            actor=actor,
            action="report.correction_open",
            obj=report,
            before={"sample": sample.pk, "sample_status": SampleStatus.REPORTED},
            after={"sample": sample.pk, "sample_status": SampleStatus.READY},
            reason=reason,
        )
    return report


def report_withdraw(*, actor: Actor, report_id: int, reason: str) -> Report:
    """Withdraw the current version of a report with a reason (ISO/IEC 17025 7.8.8): it verifies as withdrawn and
    the enterprise is told. Its sample goes back to 待出报告 so that, once corrected, it can get a new report under
    a new number. Refusals: 403; 404 another institution's report; 400 `reason`; 409 `report_state` (a superseded
    or already withdrawn version)."""
    actor.require(WITHDRAW)
    reason = _reason(reason, "reason", required=True)
    with transaction.atomic():
        report, sample = _locked_current(actor, report_id, pgettext("只有有效的报告可以……", "撤回"))
        before = snapshot(report, ["status"])
        report.status = ReportStatus.WITHDRAWN
        report.withdrawn_at = timezone.now()
        report.withdrawn_by = actor.person
        report.withdrawal_reason = reason
        report.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        _reopen(sample)
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
    page. The QR code printed on the report carries them whatever this says: it is read from the paper.
    Refusals: 403 (institutions cannot choose this for their customer); 404 a report of another enterprise."""
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
    """Tell the enterprise (app + e-mail after commit, each person in their language) and write the order's
    timeline (both languages)."""
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
