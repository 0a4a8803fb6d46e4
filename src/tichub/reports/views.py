"""Report pages for the institution and the enterprise (ISO/IEC 17025 7.8).

* /reports/: the organisation's reports (the institution's issued reports with their verification counts; the
  enterprise's received reports), filtered by status and text, 25 a page;
* /reports/<id>/: one version: status, the chain of versions with their reasons, the public summary, the PDF;
  for the institution the verification count and the actions (amend, open for correction, withdraw), for the
  enterprise the summary choice and the sharing links (reports/_shares.html);
* /reports/issue/<sample_id>/: what issuing the sample's report would print (results, statement, marks), the
  amendment reason when a current version exists, an optional claim validity; POST issues and opens the report;
* /reports/issue/<sample_id>/preview.pdf: the unsigned draft PDF, numbered "（草稿 DRAFT）" (no number used).

Actions post to their own URLs and come back to the report with a message; a refusal shows the page again with
the refusal on its form and the refusal's status code, nothing changed. Every page works without JavaScript.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tichub.accounts.choices import OrganisationKind
from tichub.core.errors import NotFound, ServiceError
from tichub.core.forms import form_error
from tichub.core.routes import actor_of, policy
from tichub.core.tenancy import Actor
from tichub.lims.choices import ResultDecision

from . import report_selectors, report_services, share_selectors
from .choices import ReportStatus
from .forms import CorrectionForm, IssueForm, ReportFilterForm, SummaryForm, WithdrawForm
from .forms_share import ShareForm
from .models import Report
from .render import render_report
from .report_selectors import IssuePlan

VIEW, ISSUE, WITHDRAW, SHARE = "reports.view", "reports.issue", "reports.withdraw", "reports.share"
PAGE_SIZE = 25


def _is_institution(actor: Actor) -> bool:
    return actor.organisation is not None and actor.organisation.kind == OrganisationKind.INSTITUTION


def _conclusion_label(value: str) -> str:
    """The short name of a conclusion (ResultDecision), in the user's language."""
    try:
        return str(ResultDecision(value).label)
    except ValueError:
        return value or "—"


# --- list ---------------------------------------------------------------------------------------------------------


@policy(VIEW)
def report_list(request: HttpRequest) -> HttpResponse:
    """The organisation's report versions, newest first, filtered by status and text; 25 a page."""
    actor = actor_of(request)
    form = ReportFilterForm(request.GET or None)
    filters: dict[str, str] = {}
    if form.is_bound and form.is_valid():
        filters = {"q": form.cleaned_data["q"], "status": form.cleaned_data["status"]}
    reports = report_selectors.report_list(actor, **filters)
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    for report in page:
        report.conclusion_label = _conclusion_label(report.conclusion)  # type: ignore[attr-defined]
    query = urlencode([(key, value) for key, value in request.GET.items() if key in ("q", "status") and value])
    context = {"form": form, "page": page, "query": query, "is_institution": _is_institution(actor)}
    return render(request, "reports/list.html", context, status=400 if form.errors else 200)


# --- one report ---------------------------------------------------------------------------------------------------


def _shares_context(actor: Actor, report: Report) -> dict[str, Any]:
    """What reports/_shares.html needs besides the report: the share links, the accesses, the form."""
    shares, accesses = share_selectors.shares_of(actor, report)
    return {"shares": shares, "accesses": accesses, "share_form": ShareForm()}


def _detail_page(
    request: HttpRequest,
    report_id: int,
    *,
    status: int = 200,
    withdraw_form: WithdrawForm | None = None,
    correction_form: CorrectionForm | None = None,
    summary_form: SummaryForm | None = None,
    error: str = "",
) -> HttpResponse:
    actor = actor_of(request)
    report = report_selectors.report_get(actor, report_id)
    issuer = report.institution_id == actor.organisation_id
    current = report.status == ReportStatus.ISSUED
    correction_open = report_selectors.is_correction_open(report)
    context: dict[str, Any] = {
        "report": report,
        "error": error,
        "conclusion_label": _conclusion_label(report.conclusion),
        "versions": report_selectors.report_versions(report),
        "verify_url": report_services.verify_url(report.public_id),
        "is_issuer": issuer,
        "correction_open": correction_open and issuer,
        "can_amend": issuer and current and actor.can(ISSUE),
        "can_correct": issuer and current and not correction_open and actor.can(ISSUE),
        "can_withdraw": issuer and current and actor.can(WITHDRAW),
        "can_reissue": issuer and report.status == ReportStatus.WITHDRAWN and actor.can(ISSUE),
        "can_share": share_selectors.can_share(actor, report),
        "withdraw_form": withdraw_form or WithdrawForm(),
        "correction_form": correction_form or CorrectionForm(),
        "summary_form": summary_form or SummaryForm(),
    }
    if context["can_share"]:
        context.update(_shares_context(actor, report))
    return render(request, "reports/detail.html", context, status=status)


@policy(VIEW)
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    """One version of a report, for its institution and its enterprise."""
    return _detail_page(request, report_id)


def _act(request: HttpRequest, report_id: int, form: Any, form_name: str, action: Any, done: Any) -> HttpResponse:
    """Run a service with the form's data; back to the report with a message, or the page with the refusal."""
    if form.is_valid():
        try:
            report = action(form.cleaned_data)
        except NotFound:
            raise
        except ServiceError as exc:
            form_error(form, exc)
            return _detail_page(request, report_id, status=exc.status, error=exc.message, **{form_name: form})
        flash.success(request, done(report))
        return redirect("reports:detail", report_id=report.pk)
    return _detail_page(request, report_id, status=400, **{form_name: form})


@require_POST
@policy(WITHDRAW)
def report_withdraw(request: HttpRequest, report_id: int) -> HttpResponse:
    """Withdraw the current version with a reason."""
    actor = actor_of(request)
    return _act(
        request,
        report_id,
        WithdrawForm(request.POST),
        "withdraw_form",
        lambda data: report_services.report_withdraw(actor=actor, report_id=report_id, reason=data["reason"]),
        lambda report: _("已撤回报告 %(report)s，已通知委托方。") % {"report": report},
    )


@require_POST
@policy(ISSUE)
def report_correction(request: HttpRequest, report_id: int) -> HttpResponse:
    """Reopen the report's sample for the laboratory to correct its results (the report stays valid)."""
    actor = actor_of(request)
    return _act(
        request,
        report_id,
        CorrectionForm(request.POST),
        "correction_form",
        lambda data: report_services.report_correction_open(actor=actor, report_id=report_id, reason=data["reason"]),
        lambda report: (
            _(
                "样品 %(sample)s 已退回实验室更正：可在结果审核页撤销并重测结果，批准后签发更正版报告。在此之前报告 "
                "%(report)s 仍然有效。"
            )
            % {"sample": report.sample.number, "report": report}
        ),
    )


@require_POST
@policy(SHARE)
def report_summary(request: HttpRequest, report_id: int) -> HttpResponse:
    """The enterprise shows or hides product and conclusion on the public verification page."""
    actor = actor_of(request)
    return _act(
        request,
        report_id,
        SummaryForm(request.POST),
        "summary_form",
        lambda data: report_services.report_summary_set(actor=actor, report_id=report_id, public=data["public"]),
        lambda report: (
            _("核验页现在显示样品名称与结论。") if report.summary_public else _("核验页现在不显示样品名称与结论。")
        ),
    )


# --- issue --------------------------------------------------------------------------------------------------------


def _issue_page(request: HttpRequest, plan: IssuePlan, form: IssueForm, status: int = 200) -> HttpResponse:
    context = {"plan": plan, "sample": plan.sample, "content": plan.content, "form": form, "current": plan.current}
    return render(request, "reports/issue.html", context, status=status)


@policy(ISSUE)
def report_issue(request: HttpRequest, sample_id: int) -> HttpResponse:
    """GET: what the report would be; POST: issue it (or the amendment of the current version)."""
    actor = actor_of(request)
    plan = report_selectors.issue_plan(actor, sample_id)
    amendment = plan.current is not None
    expected = {"expected_version": plan.current.version if plan.current is not None else 0}
    if request.method != "POST":
        return _issue_page(request, plan, IssueForm(initial=expected, amendment=amendment))
    form = IssueForm(request.POST, amendment=amendment)
    if not form.is_valid():
        return _issue_page(request, plan, form, status=400)
    data = form.cleaned_data
    try:
        report = report_services.report_issue(
            actor=actor,
            sample_id=plan.sample.pk,
            reason=data.get("reason", ""),
            valid_until=data["valid_until"],
            expected_version=data["expected_version"],
        )
    except NotFound:
        raise
    except ServiceError as exc:
        form_error(form, exc)
        return _issue_page(request, report_selectors.issue_plan(actor, sample_id), form, status=exc.status)
    if report.version == 1:
        message = _("已签发报告 %(number)s，已通知委托方。") % {"number": report.number}
    else:
        message = _("已签发报告 %(number)s 的第 %(n)d 次更正（第 %(v)d 版），原版本已被替代，已通知委托方。") % {
            "number": report.number,
            "n": report.version - 1,
            "v": report.version,
        }
    flash.success(request, message)
    return redirect("reports:detail", report_id=report.pk)


@never_cache
@policy(ISSUE)
def report_preview(request: HttpRequest, sample_id: int) -> HttpResponse:
    """The unsigned draft PDF of what issuing would print, marked DRAFT on every page; no number is used."""
    content = report_selectors.report_draft(actor_of(request), sample_id)
    pdf = render_report(content, "", draft=True)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="draft-{sample_id}.pdf"'
    return response
