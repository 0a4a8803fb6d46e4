"""Reads for the delivery of reports: the enterprise's share links of a report and who opened the report.

Shares and the access log belong to the enterprise the report was issued to. The issuing institution sees the
report but not how its customer passes it on: it gets 403 here (it may see that the report exists), anyone else
404. Each share carries its state (`active`, `expired`, `revoked`) and its public address, computed in the query:
annotations `state` and `link`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Case, CharField, F, QuerySet, Value, When
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.core.errors import NotFound
from tichub.core.tenancy import Actor

from .models import Report, ReportAccess, ReportShare
from .report_selectors import report_get

VIEW, SHARE = "reports.view", "reports.share"
ACTIVE, EXPIRED, REVOKED = "active", "expired", "revoked"
#: How many accesses the report page lists (newest first); the API pages through all of them.
ACCESS_PAGE = 100
_MARK = "LINKMARK"


def share_not_found() -> NotFound:
    return NotFound(_("没有找到该分享链接。"))


def share_url(token: str) -> str:
    """The public address of a share link (SITE_URL + /reports/shared/<token>/)."""
    return settings.SITE_URL.rstrip("/") + reverse("report_shares:open", args=[token])


def _link_parts() -> tuple[str, str]:
    before, _sep, after = share_url(_MARK).rpartition(_MARK)
    return before, after


def with_state(shares: QuerySet[ReportShare], now: dt.datetime | None = None) -> QuerySet[ReportShare]:
    """Annotate `state` (active / expired / revoked: revoked wins over expired) and `link` (the public address)."""
    now = now or timezone.now()
    before, after = _link_parts()
    return shares.annotate(
        state=Case(
            When(revoked_at__isnull=False, then=Value(REVOKED)),
            When(expires_at__lte=now, then=Value(EXPIRED)),
            default=Value(ACTIVE),
            output_field=CharField(),
        ),
        link=Concat(Value(before), F("token"), Value(after), output_field=CharField()),
    )


def can_share(actor: Actor, report: Report) -> bool:
    """Whether the actor manages the report's share links: a member of the report's enterprise with reports.share.
    The detail page shows the shares partial only then."""
    return actor.can(SHARE) and actor.organisation_id == report.enterprise_id


def enterprise_report(actor: Actor, report_id: int) -> Report:
    """A report the actor's organisation received. 404 for a report the actor may not see, 403 for the issuing
    institution (the log of how the customer passes the report on is the customer's)."""
    report = report_get(actor, report_id)
    if report.enterprise_id != actor.tenant_id:
        raise PermissionDenied(SHARE)
    return report


def share_list(actor: Actor, report_id: int, *, now: dt.datetime | None = None) -> QuerySet[ReportShare]:
    """The share links of one report of the actor's enterprise, newest first, with `state` and `link`."""
    report = enterprise_report(actor, report_id)
    return _shares(report, now)


def _shares(report: Report, now: dt.datetime | None) -> QuerySet[ReportShare]:
    rows = ReportShare.objects.filter(enterprise_id=report.enterprise_id, report_id=report.pk)
    return with_state(rows.select_related("created_by"), now).order_by("-created_at", "-id")


def share_get(actor: Actor, share_id: int) -> ReportShare:
    """One share link of the actor's enterprise (404 for anyone else's)."""
    actor.require(VIEW)
    share = ReportShare.objects.filter(pk=share_id, enterprise_id=actor.tenant_id).first()
    if share is None:
        raise share_not_found()
    return share


def access_list(actor: Actor, report_id: int) -> QuerySet[ReportAccess]:
    """Who opened one report of the actor's enterprise, newest first: downloads by its members, views and
    downloads through its share links (with the link's recipient)."""
    report = enterprise_report(actor, report_id)
    return _accesses(report)


def _accesses(report: Report) -> QuerySet[ReportAccess]:
    return ReportAccess.objects.filter(report_id=report.pk).select_related("share", "user").order_by("-at", "-id")


def shares_of(
    actor: Actor, report: Report, *, now: dt.datetime | None = None
) -> tuple[list[ReportShare], list[ReportAccess]]:
    """What the report page shows the enterprise: every share link of `report` (with `state` and `link`) and the
    newest ACCESS_PAGE accesses. Two queries. Refused (403) unless `can_share(actor, report)`."""
    actor.require(VIEW)
    if not can_share(actor, report):
        raise PermissionDenied(SHARE)
    return list(_shares(report, now)), list(_accesses(report)[:ACCESS_PAGE])
