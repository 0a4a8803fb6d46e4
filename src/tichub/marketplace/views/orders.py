"""Marketplace pages: orders, contract review, the work lists and the operator's aggregate.

Every party reads with "market.order.view"; the institution's review actions need "market.review.manage", the
customer's confirmations "market.need.manage"; cancelling is for either party (the service checks which). A
refused action shows the order again with the refusal, and its status code; nothing is changed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tichub.core.errors import ServiceError
from tichub.core.routes import actor_of, policy
from tichub.lims.progress_selectors import order_progress

from .. import order_selectors as selectors
from .. import order_services as services
from ..choices import OrderStatus
from ..forms import (
    OrderAdvanceForm,
    OrderCancelForm,
    OrderFilterForm,
    ReviewDecideForm,
    ReviewItemForm,
    ReviewRecordForm,
)

VIEW = "market.order.view"
REVIEW = "market.review.manage"
NEED = "market.need.manage"
STATS = "market.stats.view"
PAGE_SIZE = 25
#: States in which the laboratory's progress (lims.progress_selectors) is shown on the order page.
LAB_STATES = frozenset({OrderStatus.RECEIVED, OrderStatus.IN_PROGRESS, OrderStatus.COMPLETED, OrderStatus.CANCELLED})


# --- lists --------------------------------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> tuple[OrderFilterForm, str, str]:
    form = OrderFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["status"] or "", form.cleaned_data["q"] or ""
    return form, "", ""


@policy(VIEW)
def order_list(request: HttpRequest) -> HttpResponse:
    """The actor's orders (enterprise: placed; institution: received, and subcontracted to it), filtered, paged."""
    actor = actor_of(request)
    form, status, q = _filters(request)
    page = Paginator(selectors.orders_for(actor, status=status, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    context = {
        "form": form,
        "page": page,
        "query": query,
        "is_enterprise": actor.organisation is not None and actor.organisation.kind == "enterprise",
    }
    return render(request, "marketplace/orders/list.html", context, status=400 if form.errors else 200)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_stream(rows: Iterator[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a BOM, so that spreadsheet programs read the file as UTF-8
    for row in rows:
        yield writer.writerow([selectors.csv_safe(cell) for cell in row])


@policy(VIEW)
def order_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered list as CSV (UTF-8 with BOM), streamed."""
    actor = actor_of(request)
    form, status, q = _filters(request)
    if form.errors:
        return render(
            request,
            "marketplace/orders/list.html",
            {"form": form, "page": None, "query": "", "is_enterprise": False},
            status=400,
        )
    rows = selectors.orders_csv_rows(actor, status=status, q=q)
    response = StreamingHttpResponse(_csv_stream(rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.csv"'
    return response


@policy(VIEW)
def work(request: HttpRequest) -> HttpResponse:
    """What people work from: quotes due and reviews pending (institution), reviews awaiting the customer's
    confirmation (enterprise), orders by state (both)."""
    work = selectors.work_for(actor_of(request))
    return render(request, "marketplace/orders/work.html", {"work": work})


@policy(STATS)
def stats(request: HttpRequest) -> HttpResponse:
    """The operator's view: counts and amounts in aggregate only."""
    data = selectors.market_stats(actor_of(request))
    chart = {
        "title": _("每月委托数"),
        "labels": [m.month.strftime("%Y-%m") for m in data.months],
        "orders": [m.orders for m in data.months],
        "accepted": [m.accepted for m in data.months],
        "series_orders": _("委托"),
        "series_accepted": _("已受理"),
    }
    return render(request, "marketplace/orders/stats.html", {"stats": data, "chart": chart})


# --- one order ----------------------------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, pk: int, **extra: Any) -> dict[str, Any]:
    actor = actor_of(request)
    detail = selectors.order_get(actor, pk)
    order = detail.order
    context: dict[str, Any] = {
        "detail": detail,
        "order": order,
        "can_review": detail.is_institution and detail.in_review and actor.can(REVIEW),
        "can_confirm": detail.is_enterprise and detail.in_review and actor.can(NEED),
        "cancellable": detail.side in ("enterprise", "institution")
        and order.status in services.CANCELLABLE
        and actor.can(NEED if detail.is_enterprise else REVIEW),
        "cancel_fee": None,
        "links": {
            "samples": f"/market/orders/{order.pk}/samples/",
            "messages": f"/market/orders/{order.pk}/messages/",
            "invoices": f"/market/orders/{order.pk}/invoices/",
        },
    }
    if context["cancellable"] and order.status not in services.FREE_CANCEL:
        context["cancel_fee"] = services.cancellation_fee(order.quote.total, order.quote.cancellation_fee_percent)
    if context["can_review"]:
        choices = selectors.review_choices(actor, detail)
        for item in detail.items:
            item.form = ReviewItemForm(  # type: ignore[attr-defined]
                initial={
                    "verdict": item.verdict,
                    "scope_row_id": item.scope_row_id,
                    "subcontractor_id": item.subcontractor_id,
                },
                scope_rows=choices.scope_rows.get(item.pk, []),
                subcontractors=choices.subcontractors,
                prefix=f"item{item.pk}",
            )
        review = detail.review
        context["record_form"] = ReviewRecordForm(
            initial={
                "decision_rule_agreed": review.decision_rule_agreed if review else False,
                "deviations": review.deviations if review else "",
            }
        )
        context["decide_form"] = ReviewDecideForm()
    if detail.is_institution and actor.can(REVIEW):
        targets = [
            (to, str(OrderStatus(to).label))
            for to, party in services.TRANSITIONS.get(order.status, {}).items()
            if party == services.INSTITUTION
            and to in services.ADVANCE_TARGETS
            and (order.status, to) not in services.STEP_BACK_TEXT
        ]
        context["advance_form"] = OrderAdvanceForm(targets=targets) if targets else None
    if context["cancellable"]:
        context["cancel_form"] = OrderCancelForm()
    if detail.side in ("enterprise", "institution") and order.status in LAB_STATES:
        context["progress"] = order_progress(actor, order.pk)
    context.update(extra)
    return context


def _detail(request: HttpRequest, pk: int, *, status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, "marketplace/orders/detail.html", _detail_context(request, pk, **extra), status=status)


def _refused(request: HttpRequest, pk: int, exc: ServiceError) -> HttpResponse:
    details = [
        msg if name.startswith("items.") else f"{name}: {msg}" for name, msgs in exc.fields.items() for msg in msgs
    ]
    return _detail(request, pk, status=exc.status, error=exc.message, error_details=details)


def _invalid(request: HttpRequest, pk: int, form: Any) -> HttpResponse:
    details = [
        f"{form.fields[name].label if name in form.fields else name}: {error}"
        for name, errors in form.errors.items()
        for error in errors
    ]
    return _detail(request, pk, status=400, error=_("提交的内容有误。"), error_details=details)


@policy(VIEW)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One order: header, review items with verdicts, the customer's confirmations, the review form, timeline."""
    return _detail(request, pk)


def _done(request: HttpRequest, pk: int, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("marketplace:order_detail", pk=pk)


@require_POST
@policy(REVIEW)
def order_review_item(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    actor = actor_of(request)
    detail = selectors.order_get(actor, pk)
    choices = selectors.review_choices(actor, detail)
    form = ReviewItemForm(
        request.POST,
        scope_rows=choices.scope_rows.get(item_id, []),
        subcontractors=choices.subcontractors,
        prefix=f"item{item_id}",
    )
    if not form.is_valid():
        # the service names the rule (e.g. an edition that differs); unknown choices are passed on as given
        data = {name: request.POST.get(f"item{item_id}-{name}") or None for name in form.fields}
    else:
        data = form.cleaned_data
    try:
        services.review_set_item(
            actor=actor,
            order_id=pk,
            item_id=item_id,
            verdict=data["verdict"] or "",
            scope_row_id=data["scope_row_id"],
            subcontractor_id=data["subcontractor_id"],
        )
    except ServiceError as exc:
        return _refused(request, pk, exc)
    return _done(request, pk, _("评审项目已保存。"))


@require_POST
@policy(REVIEW)
def order_review_record(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReviewRecordForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, form)
    try:
        services.review_record(actor=actor_of(request), order_id=pk, **form.cleaned_data)
    except ServiceError as exc:
        return _refused(request, pk, exc)
    return _done(request, pk, _("合同评审记录已保存。"))


@require_POST
@policy(NEED)
def order_confirm_warning(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    try:
        services.review_confirm_warning(actor=actor_of(request), order_id=pk, item_id=item_id)
    except ServiceError as exc:
        return _refused(request, pk, exc)
    return _done(request, pk, _("已确认方法警告。"))


@require_POST
@policy(NEED)
def order_approve_subcontract(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    try:
        services.review_approve_subcontract(actor=actor_of(request), order_id=pk, item_id=item_id)
    except ServiceError as exc:
        return _refused(request, pk, exc)
    return _done(request, pk, _("已批准分包。"))


@require_POST
@policy(REVIEW)
def order_decide(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReviewDecideForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, form)
    accept = form.cleaned_data["decision"] == "accept"
    try:
        order = services.review_decide(
            actor=actor_of(request), order_id=pk, accept=accept, reason=form.cleaned_data["reason"]
        )
    except ServiceError as exc:
        return _refused(request, pk, exc)
    if accept:
        return _done(request, pk, _("已受理，委托单号 %(number)s。") % {"number": order.number})
    return _done(request, pk, _("已谢绝委托。"))


@require_POST
@policy(VIEW)
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Either party cancels (the service requires "market.need.manage" or "market.review.manage")."""
    form = OrderCancelForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, form)
    try:
        services.order_cancel(actor=actor_of(request), order_id=pk, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        return _refused(request, pk, exc)
    return _done(request, pk, _("委托已取消。"))


@require_POST
@policy(REVIEW)
def order_advance(request: HttpRequest, pk: int) -> HttpResponse:
    to = request.POST.get("to", "")
    try:
        order = services.order_advance(actor=actor_of(request), order_id=pk, to=to)
    except ServiceError as exc:
        return _refused(request, pk, exc)
    return _done(request, pk, _("状态已改为“%(status)s”。") % {"status": OrderStatus(order.status).label})


urlpatterns = [
    path("orders/", order_list, name="order_list"),
    path("orders/export.csv", order_export, name="order_export"),
    path("orders/<int:pk>/", order_detail, name="order_detail"),
    path("orders/<int:pk>/review/", order_review_record, name="order_review_record"),
    path("orders/<int:pk>/review/items/<int:item_id>/", order_review_item, name="order_review_item"),
    path("orders/<int:pk>/review/items/<int:item_id>/confirm/", order_confirm_warning, name="order_confirm_warning"),
    path(
        "orders/<int:pk>/review/items/<int:item_id>/approve/",
        order_approve_subcontract,
        name="order_approve_subcontract",
    ),
    path("orders/<int:pk>/decide/", order_decide, name="order_decide"),
    path("orders/<int:pk>/cancel/", order_cancel, name="order_cancel"),
    path("orders/<int:pk>/advance/", order_advance, name="order_advance"),
    path("work/", work, name="work"),
    path("stats/", stats, name="stats"),
]
