"""Marketplace pages: invoices of an order, one invoice (lines editable while DRAFT), the issued PDF.

Both parties read with "market.order.view" (the enterprise from the invoice's issue on); drafting, editing,
issuing, recording payment and voiding need "market.invoice.manage" (institution administrator, reception). A
refused action shows the page again with the refusal and its status code; nothing is changed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tichub.accounts.choices import OrganisationKind
from tichub.core.errors import ServiceError
from tichub.core.forms import form_error
from tichub.core.routes import actor_of, policy

from .. import invoice_selectors as selectors
from .. import invoice_services as services
from ..choices import InvoiceStatus
from ..forms import (
    InvoiceDraftForm,
    InvoiceFilterForm,
    InvoiceLineFormSet,
    InvoicePaidForm,
    InvoiceRateForm,
    InvoiceVoidForm,
)

VIEW = "market.order.view"
MANAGE = "market.invoice.manage"
PAGE_SIZE = 25


def _is_institution(request: HttpRequest) -> bool:
    organisation = actor_of(request).organisation
    return organisation is not None and organisation.kind == OrganisationKind.INSTITUTION


def _can_manage(request: HttpRequest) -> bool:
    return _is_institution(request) and actor_of(request).can(MANAGE)


def _error_details(exc: ServiceError) -> list[str]:
    return [f"{name}: {msg}" for name, msgs in exc.fields.items() for msg in msgs]


# --- the actor's invoices -------------------------------------------------------------------------------------


@policy(VIEW)
def invoice_list(request: HttpRequest) -> HttpResponse:
    """Every invoice of the actor (institution: all it wrote; enterprise: those issued to it), filtered, paged."""
    actor = actor_of(request)
    form = InvoiceFilterForm(request.GET or None)
    filters = selectors.InvoiceFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.InvoiceFilters(
            status=data["status"] or "",
            q=data["q"] or "",
            issued_from=data["issued_from"],
            issued_to=data["issued_to"],
        )
    page = Paginator(selectors.invoice_list(actor, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    context = {"form": form, "page": page, "query": query, "is_institution": _is_institution(request)}
    return render(request, "marketplace/invoices/list.html", context, status=400 if form.errors else 200)


# --- one order's invoices -------------------------------------------------------------------------------------


def _order_page(
    request: HttpRequest, pk: int, *, form: InvoiceDraftForm | None = None, error: ServiceError | None = None
) -> HttpResponse:
    actor = actor_of(request)
    order = selectors.invoice_order(actor, pk)
    can_manage = _can_manage(request) and order.institution_id == actor.tenant_id
    context = {
        "order": order,
        "invoices": selectors.order_invoices(actor, pk),
        "can_manage": can_manage,
        "form": form or (InvoiceDraftForm() if can_manage else None),
        "error": error.message if error else "",
        "error_details": _error_details(error) if error else [],
    }
    status = error.status if error else (400 if form is not None and form.errors else 200)
    return render(request, "marketplace/invoices/order.html", context, status=status)


@policy(VIEW)
def order_invoices(request: HttpRequest, pk: int) -> HttpResponse:
    """The invoices of an order, and for the institution a button to draft one from the accepted quote."""
    return _order_page(request, pk)


@require_POST
@policy(MANAGE)
def invoice_draft(request: HttpRequest, pk: int) -> HttpResponseBase:
    actor = actor_of(request)
    form = InvoiceDraftForm(request.POST)
    if not form.is_valid():
        return _order_page(request, pk, form=form)
    try:
        invoice = services.invoice_draft(actor=actor, order_id=pk, tax_rate=form.cleaned_data["tax_rate"])
    except ServiceError as exc:
        form_error(form, exc)
        return _order_page(request, pk, form=form, error=exc)
    messages.success(request, _("发票草稿已生成，请核对明细后开具。"))
    return redirect("marketplace:invoice_detail", pk=invoice.pk)


# --- one invoice ----------------------------------------------------------------------------------------------


def _line_initial(invoice: Any) -> list[dict[str, str]]:
    return [
        {"description": line.description, "quantity": str(line.quantity), "unit_price": str(line.unit_price)}
        for line in invoice.lines.all()
    ]


def _detail_page(
    request: HttpRequest,
    pk: int,
    *,
    formset: Any = None,
    rate_form: InvoiceRateForm | None = None,
    paid_form: InvoicePaidForm | None = None,
    void_form: InvoiceVoidForm | None = None,
    error: ServiceError | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    invoice = selectors.invoice_get(actor, pk)
    can_manage = _can_manage(request)
    draft = invoice.status == InvoiceStatus.DRAFT
    context: dict[str, Any] = {
        "invoice": invoice,
        "order": invoice.order,
        "lines": list(invoice.lines.all()),
        "can_manage": can_manage,
        "void_reason": selectors.invoice_void_reason(invoice),
        "has_pdf": invoice.status in selectors.PDF_STATUSES and bool(invoice.pdf),
        "error": error.message if error else "",
        "error_details": _error_details(error) if error else [],
    }
    if can_manage and draft:
        context["formset"] = formset or InvoiceLineFormSet(initial=_line_initial(invoice), prefix="lines")
        context["rate_form"] = rate_form or InvoiceRateForm(initial={"tax_rate": str(invoice.tax_rate)})
    if can_manage and invoice.status == InvoiceStatus.ISSUED:
        context["paid_form"] = paid_form or InvoicePaidForm()
    if can_manage and invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.ISSUED):
        context["void_form"] = void_form or InvoiceVoidForm()
    if error and status == 200:
        status = error.status
    return render(request, "marketplace/invoices/detail.html", context, status=status)


@policy(VIEW)
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One invoice: parties, lines, totals; while DRAFT the institution edits the lines, then issues it."""
    return _detail_page(request, pk)


def _place_line_errors(formset: Any, rate_form: InvoiceRateForm, exc: ServiceError, rows: list[int]) -> None:
    """Put lines.<i>.<field> errors on the form that row i came from, tax_rate on the rate form."""
    for name, msgs in exc.fields.items():
        parts = name.split(".")
        for msg in msgs:
            if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
                form = formset.forms[rows[int(parts[1])]]
                form.add_error(parts[2] if parts[2] in form.fields else None, msg)
            elif name == "tax_rate":
                rate_form.add_error("tax_rate", msg)


@require_POST
@policy(MANAGE)
def invoice_lines(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Save a draft's lines (rows marked for deletion and blank rows are dropped) and its tax rate."""
    actor = actor_of(request)
    selectors.invoice_get(actor, pk)
    formset = InvoiceLineFormSet(request.POST, prefix="lines")
    rate_form = InvoiceRateForm(request.POST)
    if not formset.is_valid() or not rate_form.is_valid():
        return _detail_page(request, pk, formset=formset, rate_form=rate_form, status=400)
    rows: list[int] = []
    lines: list[dict[str, Any]] = []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        rows.append(index)
        lines.append(
            {"description": data["description"], "quantity": data["quantity"], "unit_price": data["unit_price"]}
        )
    try:
        services.invoice_update_lines(
            actor=actor, invoice_id=pk, lines=lines, tax_rate=rate_form.cleaned_data["tax_rate"]
        )
    except ServiceError as exc:
        _place_line_errors(formset, rate_form, exc, rows)
        return _detail_page(request, pk, formset=formset, rate_form=rate_form, error=exc)
    messages.success(request, _("明细已保存。"))
    return redirect("marketplace:invoice_detail", pk=pk)


@require_POST
@policy(MANAGE)
def invoice_issue(request: HttpRequest, pk: int) -> HttpResponseBase:
    actor = actor_of(request)
    try:
        invoice = services.invoice_issue(actor=actor, invoice_id=pk)
    except ServiceError as exc:
        return _detail_page(request, pk, error=exc)
    messages.success(request, _("发票 %(number)s 已开具。") % {"number": invoice.number})
    return redirect("marketplace:invoice_detail", pk=pk)


@require_POST
@policy(MANAGE)
def invoice_paid(request: HttpRequest, pk: int) -> HttpResponseBase:
    actor = actor_of(request)
    form = InvoicePaidForm(request.POST)
    if not form.is_valid():
        selectors.invoice_get(actor, pk)
        return _detail_page(request, pk, paid_form=form, status=400)
    try:
        services.invoice_mark_paid(actor=actor, invoice_id=pk, paid_on=form.cleaned_data["paid_on"])
    except ServiceError as exc:
        form_error(form, exc)
        return _detail_page(request, pk, paid_form=form, error=exc)
    messages.success(request, _("已登记收款。"))
    return redirect("marketplace:invoice_detail", pk=pk)


@require_POST
@policy(MANAGE)
def invoice_void(request: HttpRequest, pk: int) -> HttpResponseBase:
    actor = actor_of(request)
    form = InvoiceVoidForm(request.POST)
    if not form.is_valid():
        selectors.invoice_get(actor, pk)
        return _detail_page(request, pk, void_form=form, status=400)
    try:
        services.invoice_void(actor=actor, invoice_id=pk, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        form_error(form, exc)
        return _detail_page(request, pk, void_form=form, error=exc)
    messages.success(request, _("发票已作废。"))
    return redirect("marketplace:invoice_detail", pk=pk)


@policy(VIEW)
def invoice_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The issued PDF as stored at issue (issued, paid or void invoices; a draft has none)."""
    invoice = selectors.invoice_pdf(actor_of(request), pk)
    return FileResponse(
        invoice.pdf.open("rb"), content_type="application/pdf", as_attachment=True, filename=f"{invoice.number}.pdf"
    )


urlpatterns = [
    path("invoices/", invoice_list, name="invoices"),
    path("orders/<int:pk>/invoices/", order_invoices, name="order_invoices"),
    path("orders/<int:pk>/invoices/new/", invoice_draft, name="invoice_draft"),
    path("invoices/<int:pk>/", invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/lines/", invoice_lines, name="invoice_lines"),
    path("invoices/<int:pk>/issue/", invoice_issue, name="invoice_issue"),
    path("invoices/<int:pk>/paid/", invoice_paid, name="invoice_paid"),
    path("invoices/<int:pk>/void/", invoice_void, name="invoice_void"),
    path("invoices/<int:pk>/pdf/", invoice_pdf, name="invoice_pdf"),
]
