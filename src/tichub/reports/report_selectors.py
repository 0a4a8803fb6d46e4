"""Reads of reports for the two parties: the issuing institution sees its reports (with verification counts), the
enterprise sees the reports issued to it. Anyone else gets 404, never a hint that a report exists.

The issue page and the issue service share `report_sample` and `issue_refusal`, so that the page says beforehand
exactly what the service would refuse; `issue_plan` is what the page shows (and the draft preview renders): the
content the report would have if it were issued now, under a placeholder number that consumes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.accounts.models import Membership, User
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.tenancy import Actor
from tichub.lims.choices import SampleStatus, TestStatus
from tichub.lims.method_selectors import authorisations, covers
from tichub.lims.models import LabSample, Test

from .choices import ReportStatus
from .content_selectors import report_content, report_tests
from .models import Report

VIEW, ISSUE = "reports.view", "reports.issue"
#: What a draft preview prints where the number will be: no number is consumed before the report is issued.
DRAFT_NUMBER = "（草稿 DRAFT）"
MAX_QUERY = 100


def report_not_found() -> NotFound:
    return NotFound(_("没有找到该报告。"))


def sample_not_found() -> NotFound:
    return NotFound(_("没有找到该样品。"))


def _visible(actor: Actor) -> QuerySet[Report]:
    """The reports of the actor's organisation, as issuer or as customer."""
    actor.require(VIEW)
    return Report.objects.filter(Q(institution_id=actor.tenant_id) | Q(enterprise_id=actor.tenant_id))


def report_list(actor: Actor, *, q: str = "", status: str = "") -> QuerySet[Report]:
    """Every version, newest first; `q` matches the report number, sample number or product; `status` is one
    ReportStatus value ("" for all). An unknown status is refused naming the field."""
    if status and status not in ReportStatus.values:
        raise ServiceError.field("status", _("未知的报告状态：%(status)s") % {"status": status[:40]})
    reports = _visible(actor).select_related("institution", "enterprise", "sample", "issued_by")
    q = (q or "").strip()[:MAX_QUERY]
    if q:
        reports = reports.filter(Q(number__icontains=q) | Q(sample__number__icontains=q) | Q(product__icontains=q))
    if status:
        reports = reports.filter(status=status)
    return reports.order_by("-issued_at", "-id")


def report_get(actor: Actor, report_id: int) -> Report:
    report = (
        _visible(actor)
        .select_related("institution", "enterprise", "sample", "order", "issued_by", "withdrawn_by", "amends")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise report_not_found()
    return report


def report_versions(report: Report) -> list[Report]:
    """Every version of the report's number, oldest first (the caller has already checked access to `report`)."""
    return list(
        Report.objects.filter(institution_id=report.institution_id, number=report.number)
        .select_related("issued_by", "withdrawn_by")
        .order_by("version")
    )


def is_correction_open(report: Report) -> bool:
    """The laboratory reopened the sample of this current version to correct its results (report_correction_open):
    the version stays valid until the amendment is issued. `report.sample` must be loaded."""
    return report.status == ReportStatus.ISSUED and report.sample.status != SampleStatus.REPORTED


def sample_reports(actor: Actor, sample_id: int) -> list[Report]:
    """Every report version issued for one sample of the actor's institution (every number: a withdrawn report may
    be followed by a new one), newest first."""
    actor.require(VIEW)
    return list(
        Report.objects.filter(institution_id=actor.tenant_id, sample_id=sample_id).order_by("-issued_at", "-id")
    )


def enterprise_people(enterprise_id: int) -> list[User]:
    """The active members of an enterprise (who is told about its reports)."""
    ids = Membership.objects.filter(organisation_id=enterprise_id).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


# --- issuing --------------------------------------------------------------------------------------------------------


def report_sample(actor: Actor, sample_id: int, *, for_update: bool = False) -> LabSample:
    """A sample of the actor's institution that a report can be issued for, with what the content needs loaded.
    Another institution's sample answers 404; a sub-sample 409 (its results go on its parent's report).
    `for_update` locks the sample's row (the issue service: two issues of one sample queue on it)."""
    rows = LabSample.objects.select_related("order", "institution", "enterprise", "announcement").filter(
        institution_id=actor.tenant_id, pk=sample_id
    )
    if for_update:
        rows = rows.select_for_update(of=("self",))
    sample = rows.first()
    if sample is None:
        raise sample_not_found()
    if sample.parent_id is not None:
        raise Conflict(
            _("%(sample)s 是分样：报告按母样出具，分样的结果写入母样的报告。") % {"sample": sample.number},
            code="report_subsample",
        )
    return sample


def issue_refusal(actor: Actor, sample: LabSample, tests: Sequence[Test], on: dt.date) -> Conflict | None:
    """Why the actor cannot issue the report of `sample` with `tests` (report_tests) on `on`, or None:

    * `report_empty`: the sample has no live test;
    * `report_not_ready`: some live test is not approved (they are named);
    * `report_signatory_scope`: the actor is not an authorized signatory, on that day, for the method edition of
      every test on the report (ISO/IEC 17025 6.2.6; lims.SignatoryAuthorisation; the items are named).
    """
    if not tests:
        return Conflict(
            _("样品 %(sample)s 没有检测项目，不能出具报告。") % {"sample": sample.number}, code="report_empty"
        )
    waiting = [f"{test.sample.number} {test.parameter}" for test in tests if test.status != TestStatus.APPROVED]
    if waiting:
        return Conflict(
            _("以下项目尚未批准，不能出具报告：%(items)s") % {"items": "、".join(waiting)}, code="report_not_ready"
        )
    held = authorisations(actor, user_id=actor.person.pk)
    outside = [test.parameter for test in tests if not covers(held, test, on)]
    if outside:
        return Conflict(
            _("您的签字授权不包括以下项目的方法，不能签发此报告：%(items)s") % {"items": "、".join(outside)},
            code="report_signatory_scope",
        )
    return None


@dataclass(frozen=True)
class IssuePlan:
    """What issuing the sample's report now would do: issue version 1 under a new number, or amend `current`."""

    sample: LabSample
    tests: list[Test]
    current: Report | None  # the version an issue would amend
    previous: list[Report]  # every version issued for the sample so far, newest first
    refusal: Conflict | None  # why it cannot be issued now (None: it can)
    content: dict[str, Any] | None  # the draft content (placeholder number), None when refused

    @property
    def version(self) -> int:
        return self.current.version + 1 if self.current is not None else 1


def issue_plan(
    actor: Actor,
    sample_id: int,
    *,
    reason: str = "",
    valid_until: dt.date | None = None,
    now: dt.datetime | None = None,
) -> IssuePlan:
    """The issue page's data: the sample, its current version and earlier reports, the refusal the service would
    give, and the content as it would be issued now by the actor, numbered DRAFT_NUMBER (nothing is written)."""
    actor.require(ISSUE)
    now = now or timezone.now()
    sample = report_sample(actor, sample_id)
    tests = report_tests(sample)
    previous = sample_reports(actor, sample.pk)
    current = next((report for report in previous if report.status == ReportStatus.ISSUED), None)
    refusal = issue_refusal(actor, sample, tests, timezone.localdate(now))
    content = None
    if refusal is None:
        content = report_content(
            sample=sample,
            tests=tests,
            number=DRAFT_NUMBER,
            version=current.version + 1 if current is not None else 1,
            public_id="",
            verify_url="",
            issued_at=now,
            issuer=actor.person,
            amends=current,
            amendment_reason=reason,
            valid_until=valid_until,
        )
    return IssuePlan(sample, tests, current, previous, refusal, content)


def report_draft(actor: Actor, sample_id: int, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The content of the draft preview (issue_plan's), or the refusal the issue would meet."""
    plan = issue_plan(actor, sample_id, now=now)
    if plan.refusal is not None:
        raise plan.refusal
    assert plan.content is not None  # set whenever there is no refusal
    return plan.content
