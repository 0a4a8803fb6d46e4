"""Laboratory pages: review and approval of results (ISO/IEC 17025 7.7, 7.8.1.1, 6.2.6).

* /lab/review/: the reviewer's queue, grouped by sample: tick tests, check them or reject them with a reason;
  ask for a retest of one test;
* /lab/approve/: the signatory's queue; tests the signatory may not approve (not covered by their authorisation,
  or their own work) are greyed with the reason;
* /lab/samples/<pk>/review/: one sample's tests with their results, decisions, revisions and review steps, the
  sample's statement, and the actions the person may take on each test.

Actions post to their own URLs and come back to the page they were taken from (`back`); a refusal shows that page
again with the refusal and its status code, nothing changed. Without JavaScript the forms post and redirect; with
HTMX they swap the page's main part in place (a refusal then answers 200, as HTMX swaps only successful answers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tichub.core.errors import NotFound, ServiceError
from tichub.core.routes import actor_of, policy
from tichub.reports.report_selectors import sample_reports

from .. import review_selectors, review_services
from ..forms.review import ApproveForm, CheckForm, ReasonForm, RejectForm

VIEW, CHECK, APPROVE, RETRACT = "lims.sample.view", "lims.result.check", "lims.result.approve", "lims.result.retract"


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _queue_page(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    actor = actor_of(request)
    context = {
        "tests": review_selectors.check_queue(actor),
        "can_check": actor.can(CHECK),
        "can_reject": actor.can(CHECK) or actor.can(APPROVE),
        "check_form": CheckForm(),
        "reject_form": RejectForm(),
        **extra,
    }
    return render(request, "lims/review/queue.html", context, status=status)


def _approval_page(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    actor = actor_of(request)
    items = review_selectors.approval_queue(actor)
    context = {
        "items": items,
        "approvable": sum(1 for item in items if item.covered),
        "can_approve": actor.can(APPROVE),
        "reject_form": RejectForm(),
        **extra,
    }
    return render(request, "lims/review/approve.html", context, status=status)


def _sample_page(request: HttpRequest, pk: int, status: int = 200, **extra: Any) -> HttpResponse:
    actor = actor_of(request)
    review = review_selectors.sample_review(actor, pk)
    reports = sample_reports(actor, pk) if actor.can("reports.view") else []
    context = {"review": review, "sample": review.sample, "reports": reports, **extra}
    return render(request, "lims/review/sample.html", context, status=status)


@policy(VIEW)
def review_queue(request: HttpRequest) -> HttpResponse:
    """Tests awaiting a check by this reviewer (not their own, not already checked by them), by sample."""
    return _queue_page(request)


@policy(VIEW)
def approval_queue(request: HttpRequest) -> HttpResponse:
    """Tests ready for approval; those this signatory may not approve are greyed with the reason."""
    return _approval_page(request)


@policy(VIEW)
def sample_review(request: HttpRequest, pk: int) -> HttpResponse:
    """One sample's tests with their whole history, its statement, and the actions open to the person."""
    return _sample_page(request, pk)


# --- actions ----------------------------------------------------------------------------------------------------


def _page_for(back: str) -> tuple[str, Callable[..., HttpResponse], list[int]]:
    """The page an action came from: its URL, its renderer and its arguments (the check queue by default)."""
    if back.isdigit():
        return reverse("lims:sample_review", args=[int(back)]), _sample_page, [int(back)]
    if back == "approve":
        return reverse("lims:approval_queue"), _approval_page, []
    return reverse("lims:review_queue"), _queue_page, []


def _refusal(exc: ServiceError) -> tuple[str, list[str]]:
    """A refusal as the page shows it: one message, or a headline and one line per test refused."""
    lines = [message for messages in exc.fields.values() for message in messages]
    if len(lines) > 1:
        return _("未执行，所选项目均未更改："), lines
    return exc.message, []


def _act(request: HttpRequest, form: Any, action: Callable[[dict[str, Any]], str]) -> HttpResponse:
    """Run `action` with the form's data; come back to the page the form was on, with its message or refusal."""
    back = str(request.POST.get("back", ""))[:20]
    url, page, args = _page_for(back)
    if not form.is_valid():
        lines = [f"{form.fields[name].label or name}: {e}" for name, errors in form.errors.items() for e in errors]
        status = 200 if _is_htmx(request) else 400
        return page(request, *args, status=status, error=_("提交的内容有误。"), error_details=lines)
    try:
        done = action(form.cleaned_data)
    except NotFound:
        raise
    except ServiceError as exc:
        error, lines = _refusal(exc)
        status = 200 if _is_htmx(request) else exc.status
        return page(request, *args, status=status, error=error, error_details=lines)
    flash.success(request, done)
    return redirect(url)


def _count(n: int) -> dict[str, int]:
    return {"n": n}


@require_POST
@policy(CHECK)
def review_check(request: HttpRequest) -> HttpResponse:
    """Check the ticked tests (one level each)."""

    def check(data: dict[str, Any]) -> str:
        tests = review_services.review_check(actor=actor_of(request), test_ids=data["test_ids"], note=data["note"])
        return ngettext("已审核 %(n)d 个检测项目。", "已审核 %(n)d 个检测项目。", len(tests)) % _count(len(tests))

    return _act(request, CheckForm(request.POST), check)


@require_POST
@policy(APPROVE)
def review_approve(request: HttpRequest) -> HttpResponse:
    """Approve the ticked tests as an authorised signatory."""

    def approve(data: dict[str, Any]) -> str:
        tests = review_services.review_approve(actor=actor_of(request), test_ids=data["test_ids"])
        return ngettext("已批准 %(n)d 个检测项目。", "已批准 %(n)d 个检测项目。", len(tests)) % _count(len(tests))

    return _act(request, ApproveForm(request.POST), approve)


@require_POST
@policy(VIEW)
def review_reject(request: HttpRequest) -> HttpResponse:
    """Return the ticked tests to their analysts with a reason. Reviewers and signatories both may: the route is
    open to the laboratory and the service requires "lims.result.check" or "lims.result.approve"."""

    def reject(data: dict[str, Any]) -> str:
        tests = review_services.review_reject(actor=actor_of(request), test_ids=data["test_ids"], reason=data["reason"])
        return ngettext(
            "已退回 %(n)d 个检测项目，已通知检测人员。", "已退回 %(n)d 个检测项目，已通知检测人员。", len(tests)
        ) % _count(len(tests))

    return _act(request, RejectForm(request.POST), reject)


@require_POST
@policy(CHECK)
def review_retest(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for a retest of one test: the original is kept, a new test is created for the analyst."""

    def retest(data: dict[str, Any]) -> str:
        done = review_services.review_retest(actor=actor_of(request), test_id=pk, reason=data["reason"])
        return _("已要求重测 %(test)s，原结果保留备查。") % {"test": review_selectors.test_label(done.original)}

    return _act(request, ReasonForm(request.POST), retest)


@require_POST
@policy(RETRACT)
def review_retract(request: HttpRequest, pk: int) -> HttpResponse:
    """Retract one approved result with a reason: it is kept, invalidated, and a new test is created."""

    def retract(data: dict[str, Any]) -> str:
        done = review_services.review_retract(actor=actor_of(request), test_id=pk, reason=data["reason"])
        return _("已撤销 %(test)s 的结果，并已安排重新检测。") % {"test": review_selectors.test_label(done.original)}

    return _act(request, ReasonForm(request.POST), retract)


urlpatterns = [
    path("review/", review_queue, name="review_queue"),
    path("approve/", approval_queue, name="approval_queue"),
    path("samples/<int:pk>/review/", sample_review, name="sample_review"),
    path("review/check/", review_check, name="review_check"),
    path("review/approve/", review_approve, name="review_approve"),
    path("review/reject/", review_reject, name="review_reject"),
    path("review/tests/<int:pk>/retest/", review_retest, name="review_retest"),
    path("review/tests/<int:pk>/retract/", review_retract, name="review_retract"),
]
