"""API for invoices: an order's invoices, one invoice, drafting and editing a draft, issuing, payment, voiding, PDF.

Reading needs "market.order.view": the order's institution sees every invoice, the enterprise sees them from their
issue on (never a draft). Writing needs "market.invoice.manage" (institution administrator, reception). Another
tenant's order or invoice answers 404, as an absent one. Money is sent and answered as decimal text ("120.00").
"""

import datetime as dt
from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from tichub.core.api_support import Error
from tichub.core.routes import actor_of, policy

from . import invoice_selectors as selectors
from . import invoice_services as services
from .schemas import InvoiceDetailOut, InvoiceDraftIn, InvoiceLinesIn, InvoiceOut, InvoicePaidIn, InvoiceVoidIn

router = Router(tags=["marketplace"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error, 503: Error}
VIEW, MANAGE = "market.order.view", "market.invoice.manage"


def _detail(request: HttpRequest, invoice_id: int) -> Any:
    return selectors.invoice_get(actor_of(request), invoice_id)


@router.get("/invoices", response=list[InvoiceOut], operation_id="market_invoice_list")
@policy(VIEW, api=True)
@paginate
def invoice_list(
    request: HttpRequest,
    status: str = "",
    q: str = "",
    issued_from: dt.date | None = None,
    issued_to: dt.date | None = None,
) -> Any:
    """The actor's invoices, newest first (institution: all; enterprise: issued to it), by status, text (invoice
    or order number, the other party's name) and issue dates."""
    filters = selectors.InvoiceFilters(status=status, q=q[:100], issued_from=issued_from, issued_to=issued_to)
    return selectors.invoice_list(actor_of(request), filters)


@router.get("/orders/{order_id}/invoices", response=list[InvoiceOut], operation_id="market_order_invoices")
@policy(VIEW, api=True)
@paginate
def order_invoices(request: HttpRequest, order_id: int) -> Any:
    """The invoices of one order that the actor may read, newest first."""
    return selectors.order_invoices(actor_of(request), order_id)


@router.post(
    "/orders/{order_id}/invoices",
    response={201: InvoiceDetailOut, **ERRORS},
    operation_id="market_invoice_draft",
)
@policy(MANAGE, api=True)
def invoice_draft(request: HttpRequest, order_id: int, payload: InvoiceDraftIn) -> Any:
    """A DRAFT invoice of an accepted order, its lines from the accepted quote (tax rate in percent, default 6)."""
    invoice = services.invoice_draft(actor=actor_of(request), order_id=order_id, tax_rate=payload.tax_rate)
    return Status(201, _detail(request, invoice.pk))


@router.get("/invoices/{invoice_id}", response={200: InvoiceDetailOut, **ERRORS}, operation_id="market_invoice_get")
@policy(VIEW, api=True)
def invoice_get(request: HttpRequest, invoice_id: int) -> Any:
    return _detail(request, invoice_id)


@router.put(
    "/invoices/{invoice_id}/lines", response={200: InvoiceDetailOut, **ERRORS}, operation_id="market_invoice_lines"
)
@policy(MANAGE, api=True)
def invoice_lines(request: HttpRequest, invoice_id: int, payload: InvoiceLinesIn) -> Any:
    """Replace a DRAFT invoice's lines (and its tax rate if given); errors name lines.<i>.<field>, from 0."""
    services.invoice_update_lines(
        actor=actor_of(request),
        invoice_id=invoice_id,
        lines=[line.dict() for line in payload.lines],
        tax_rate=payload.tax_rate,
    )
    return _detail(request, invoice_id)


@router.post(
    "/invoices/{invoice_id}/issue", response={200: InvoiceDetailOut, **ERRORS}, operation_id="market_invoice_issue"
)
@policy(MANAGE, api=True)
def invoice_issue(request: HttpRequest, invoice_id: int) -> Any:
    """DRAFT → ISSUED: numbered, the PDF rendered and kept with its SHA-256; immutable from now on."""
    services.invoice_issue(actor=actor_of(request), invoice_id=invoice_id)
    return _detail(request, invoice_id)


@router.post(
    "/invoices/{invoice_id}/paid", response={200: InvoiceDetailOut, **ERRORS}, operation_id="market_invoice_paid"
)
@policy(MANAGE, api=True)
def invoice_paid(request: HttpRequest, invoice_id: int, payload: InvoicePaidIn) -> Any:
    """ISSUED → PAID on the date the money arrived."""
    services.invoice_mark_paid(actor=actor_of(request), invoice_id=invoice_id, paid_on=payload.paid_on)
    return _detail(request, invoice_id)


@router.post(
    "/invoices/{invoice_id}/void", response={200: InvoiceDetailOut, **ERRORS}, operation_id="market_invoice_void"
)
@policy(MANAGE, api=True)
def invoice_void(request: HttpRequest, invoice_id: int, payload: InvoiceVoidIn) -> Any:
    """DRAFT | ISSUED → VOID with a reason; a paid invoice cannot be voided."""
    services.invoice_void(actor=actor_of(request), invoice_id=invoice_id, reason=payload.reason)
    return _detail(request, invoice_id)


@router.get("/invoices/{invoice_id}/pdf", response={200: None, **ERRORS}, operation_id="market_invoice_pdf")
@policy(VIEW, api=True)
def invoice_pdf(request: HttpRequest, invoice_id: int) -> Any:
    """The issued PDF (application/pdf), as stored at issue; its SHA-256 is the invoice's pdf_sha256."""
    invoice = selectors.invoice_pdf(actor_of(request), invoice_id)
    return FileResponse(
        invoice.pdf.open("rb"), content_type="application/pdf", as_attachment=True, filename=f"{invoice.number}.pdf"
    )
