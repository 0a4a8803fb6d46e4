"""Delivery of reports: downloads, expiring share links for third parties, and the access log.

* `report_download`: the signed PDF for a member of the issuing institution or of the enterprise. The stored file
  is hashed before it is sent: a file whose SHA-256 is no longer the one recorded at issue is refused (409,
  `report_file_tampered`) and logged at ERROR, never served. A download by a member of the enterprise is recorded
  as a ReportAccess; the institution's own downloads are not.
* `share_create` / `share_revoke`: the enterprise lets a third party (a buyer, customs) open one report through
  an unguessable link (192 random bits) that expires after 1–90 days and can be revoked. A withdrawn report cannot
  be shared; a superseded one can (its page says so).
* `share_open`: a visit of the public page or a download through a link. Unknown, expired and revoked links are
  refused alike (404, one query each), so that a guesser learns nothing. Every visit and download is recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import re
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.core.audit import audit_record, snapshot
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.tenancy import Actor

from .choices import AccessKind, ReportStatus
from .models import Report, ReportAccess, ReportShare
from .report_selectors import report_get, report_not_found
from .share_selectors import share_not_found

logger = logging.getLogger(__name__)

VIEW, SHARE = "reports.view", "reports.share"
RECIPIENT_MAX = 120
DAYS_MIN, DAYS_MAX, DAYS_DEFAULT = 1, 90, 30
TOKEN_BYTES = 24  # secrets.token_urlsafe(24): 192 random bits, 32 characters
USER_AGENT_MAX = 300
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,48}$")


@dataclass(frozen=True)
class ReportFile:
    """A report's signed PDF, checked against the SHA-256 recorded at issue."""

    report: Report
    content: bytes
    filename: str  # "<number>-v<version>.pdf"

    @property
    def etag(self) -> str:
        return f'"{self.report.sha256}"'


def link_not_found() -> NotFound:
    """The one answer for an unknown, expired or revoked link."""
    return NotFound(_("链接已失效或无效。"), code="link_invalid")


def clean_ip(ip: str | None) -> str | None:
    """A valid IPv4/IPv6 address, or None (the access log stores nothing it cannot vouch for)."""
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        return None


def clean_user_agent(user_agent: str | None) -> str:
    return (user_agent or "")[:USER_AGENT_MAX]


def filename_of(report: Report) -> str:
    return f"{report.number}-v{report.version}.pdf"


def _checked_file(report: Report) -> ReportFile:
    """Read the stored PDF and compare its SHA-256 with the one recorded at issue. A missing or altered file is
    refused (Conflict `report_file_tampered`) and logged: it must never reach anyone as the signed report."""
    try:
        with report.pdf.open("rb") as handle:
            content = handle.read()
    except (OSError, ValueError) as exc:
        logger.error(
            "report file unreadable: report %s (%s v%s) file %r: %s",
            report.pk,
            report.number,
            report.version,
            report.pdf.name,
            exc,
        )
        raise _tampered(report) from None
    actual = hashlib.sha256(content).hexdigest()
    if not secrets.compare_digest(actual, report.sha256):
        logger.error(
            "report file tampered: report %s (%s v%s) file %r has SHA-256 %s, issued with %s",
            report.pk,
            report.number,
            report.version,
            report.pdf.name,
            actual,
            report.sha256,
        )
        raise _tampered(report)
    return ReportFile(report=report, content=content, filename=filename_of(report))


def _tampered(report: Report) -> Conflict:
    return Conflict(
        _("报告 %(report)s 的存储文件与签发时记录的 SHA-256 不一致，已停止下载并记录。请联系签发机构。")
        % {"report": report},
        code="report_file_tampered",
    )


def report_download(*, actor: Actor, report_id: int, ip: str | None = None, user_agent: str = "") -> ReportFile:
    """The signed PDF of a report the actor's organisation issued or received (404 for anyone else), after checking
    its SHA-256. A download by a member of the enterprise is recorded (kind `download`, user, ip, user agent)."""
    report = report_get(actor, report_id)
    checked = _checked_file(report)
    if report.enterprise_id == actor.tenant_id:
        ReportAccess.objects.create(
            report=report,
            kind=AccessKind.DOWNLOAD,
            user=actor.person,
            ip=clean_ip(ip),
            user_agent=clean_user_agent(user_agent),
        )
    return checked


def _recipient(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise ServiceError.field("recipient", _("请填写接收方，便于日后识别这条链接。"))
    if len(text) > RECIPIENT_MAX:
        raise ServiceError.field("recipient", _("接收方不能超过 %(n)d 个字符。") % {"n": RECIPIENT_MAX})
    return text


def _days(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not DAYS_MIN <= days <= DAYS_MAX:
        raise ServiceError.field(
            "days", _("有效天数须为 %(min)d 到 %(max)d 之间的整数。") % {"min": DAYS_MIN, "max": DAYS_MAX}
        )
    return days


def share_create(
    *,
    actor: Actor,
    report_id: int,
    recipient: str,
    days: int = DAYS_DEFAULT,
    now: dt.datetime | None = None,
) -> ReportShare:
    """A link through which `recipient` may open one report of the actor's enterprise for `days` days (1–90).
    Only the enterprise's members share (the institution's roles are refused, 403); another organisation's report
    is not found (404); a withdrawn report cannot be shared (409 `report_withdrawn`)."""
    actor.require(SHARE)
    recipient = _recipient(recipient)
    days = _days(days)
    now = now or timezone.now()
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id, enterprise_id=actor.tenant_id).first()
        if report is None:
            raise report_not_found()
        if report.status == ReportStatus.WITHDRAWN:
            raise Conflict(_("报告 %(report)s 已撤回，不能分享。") % {"report": report}, code="report_withdrawn")
        share = ReportShare.objects.create(
            enterprise_id=report.enterprise_id,
            report=report,
            token=secrets.token_urlsafe(TOKEN_BYTES),
            recipient=recipient,
            created_by=actor.person,
            expires_at=now + dt.timedelta(days=days),
        )
        audit_record(
            actor=actor,
            action="report.share.create",
            obj=share,
            after={"report": report.pk, "recipient": recipient, "expires_at": share.expires_at},
        )
    return share


def share_revoke(*, actor: Actor, share_id: int, now: dt.datetime | None = None) -> ReportShare:
    """Revoke one of the enterprise's links: it answers like an unknown link from now on. Revoking twice: 409."""
    actor.require(SHARE)
    with transaction.atomic():
        share = ReportShare.objects.select_for_update().filter(pk=share_id, enterprise_id=actor.tenant_id).first()
        if share is None:
            raise share_not_found()
        if share.revoked_at is not None:
            raise Conflict(_("该分享链接已于此前撤销。"), code="share_revoked")
        before = snapshot(share, ["revoked_at"])
        share.revoked_at = now or timezone.now()
        share.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="report.share.revoke",
            obj=share,
            before=before,
            after={"revoked_at": share.revoked_at, "recipient": share.recipient},
        )
    return share


def share_open(
    *,
    token: str,
    download: bool = False,
    ip: str | None = None,
    user_agent: str = "",
    now: dt.datetime | None = None,
) -> tuple[ReportShare, ReportFile | None]:
    """Open a share link (anyone holding it): the share with its report and institution loaded, and for a download
    the checked PDF. Unknown, expired and revoked links raise the same NotFound after the same single query.
    A withdrawn report's page still opens (it says so) but its file is refused (409 `report_withdrawn`): it no
    longer counts. Each visit / download writes a ReportAccess (share_view / share_download, ip, user agent)."""
    now = now or timezone.now()
    if not _TOKEN_SHAPE.match(token or ""):
        raise link_not_found()
    share = (
        ReportShare.objects.select_related("report", "report__institution")
        .filter(token=token, revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if share is None:
        raise link_not_found()
    checked: ReportFile | None = None
    if download:
        if share.report.status == ReportStatus.WITHDRAWN:
            raise Conflict(
                _("报告 %(report)s 已撤回，不再提供下载。") % {"report": share.report}, code="report_withdrawn"
            )
        checked = _checked_file(share.report)
    ReportAccess.objects.create(
        report_id=share.report_id,
        share=share,
        kind=AccessKind.SHARE_DOWNLOAD if download else AccessKind.SHARE_VIEW,
        ip=clean_ip(ip),
        user_agent=clean_user_agent(user_agent),
    )
    return share, checked
