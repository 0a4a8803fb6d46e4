"""Reads of reports for the two parties: the issuing institution sees its reports (with verification counts), the
enterprise sees the reports issued to it. Anyone else gets 404, never a hint that a report exists."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tichub.accounts.models import Membership, User
from tichub.core.errors import NotFound
from tichub.core.tenancy import Actor

from .models import Report

VIEW = "reports.view"


def report_not_found() -> NotFound:
    return NotFound(_("没有找到该报告。"))


def _visible(actor: Actor) -> QuerySet[Report]:
    """The reports of the actor's organisation, as issuer or as customer."""
    actor.require(VIEW)
    return Report.objects.filter(Q(institution_id=actor.tenant_id) | Q(enterprise_id=actor.tenant_id))


def report_list(actor: Actor, *, q: str = "", status: str = "") -> QuerySet[Report]:
    """Newest first; `q` matches the report number, sample number or product; `status` one ReportStatus value."""
    reports = _visible(actor).select_related("institution", "enterprise", "sample", "issued_by")
    q = q.strip()[:100]
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
        .select_related("issued_by")
        .order_by("version")
    )


def sample_reports(actor: Actor, sample_id: int) -> list[Report]:
    """The versions issued for one sample of the actor's institution, newest first."""
    actor.require(VIEW)
    return list(Report.objects.filter(institution_id=actor.tenant_id, sample_id=sample_id).order_by("-version"))


def enterprise_people(enterprise_id: int) -> list[User]:
    """The active members of an enterprise (who is told about its reports)."""
    ids = Membership.objects.filter(organisation_id=enterprise_id).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))
