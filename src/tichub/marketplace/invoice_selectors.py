"""Reading invoices: both parties of an order, each as it may.

The institution of the order (every role with "market.order.view") sees all its invoices, drafts included; the
enterprise sees its orders' invoices from their issue on (ISSUED, PAID, VOID), never a DRAFT. Anyone else, and
any id that is not visible, answers NotFound (404), alike with an id that does not exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.accounts.choices import OrganisationKind
from tichub.core.errors import NotFound
from tichub.core.models import AuditEvent
from tichub.core.tenancy import Actor

from .choices import InvoiceStatus
from .models import Invoice, Order

VIEW = "market.order.view"
MANAGE = "market.invoice.manage"
ENTERPRISE_VISIBLE = (InvoiceStatus.ISSUED, InvoiceStatus.PAID, InvoiceStatus.VOID)
PDF_STATUSES = ENTERPRISE_VISIBLE


def _side(actor: Actor) -> str:
    organisation = actor.organisation
    return str(organisation.kind) if organisation is not None else ""


def visible_invoices(actor: Actor) -> QuerySet[Invoice]:
    """Every invoice the actor may read, with its order and both parties (one query for a page of them)."""
    actor.require(VIEW)
    side = _side(actor)
    invoices = Invoice.objects.select_related("order", "institution", "enterprise")
    if side == OrganisationKind.INSTITUTION:
        return invoices.filter(institution_id=actor.tenant_id)
    if side == OrganisationKind.ENTERPRISE:
        return invoices.filter(enterprise_id=actor.tenant_id, status__in=ENTERPRISE_VISIBLE)
    return invoices.none()


def invoice_order(actor: Actor, order_id: int) -> Order:
    """The order, if the actor's organisation is its enterprise or its institution (subcontractors: no)."""
    actor.require(VIEW)
    tenant = actor.tenant_id
    order = (
        Order.objects.select_related("need", "quote", "enterprise", "institution")
        .filter(Q(enterprise_id=tenant) | Q(institution_id=tenant), pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound(_("没有这个委托单。"))
    return order


def order_invoices(actor: Actor, order_id: int) -> QuerySet[Invoice]:
    """The invoices of one order that the actor may read, newest first (NotFound if the order is not its own)."""
    order = invoice_order(actor, order_id)
    return visible_invoices(actor).filter(order_id=order.pk).order_by("-created_at", "-pk")


@dataclass(frozen=True)
class InvoiceFilters:
    status: str = ""
    q: str = ""  # invoice number, order number or the other party's name
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None


def invoice_list(actor: Actor, filters: InvoiceFilters | None = None) -> QuerySet[Invoice]:
    """The actor's invoices (institution: all it wrote; enterprise: those issued to it), filtered, newest first."""
    filters = filters or InvoiceFilters()
    invoices = visible_invoices(actor)
    if filters.status:
        invoices = invoices.filter(status=filters.status)
    if filters.q:
        text = filters.q.strip()
        other = "enterprise" if _side(actor) == OrganisationKind.INSTITUTION else "institution"
        invoices = invoices.filter(
            Q(number__icontains=text)
            | Q(order__number__icontains=text)
            | Q(**{f"{other}__name_zh__icontains": text})
            | Q(**{f"{other}__name_en__icontains": text})
        )
    tz = timezone.get_current_timezone()
    if filters.issued_from:
        start = dt.datetime.combine(filters.issued_from, dt.time.min, tzinfo=tz)
        invoices = invoices.filter(issued_at__gte=start)
    if filters.issued_to:
        end = dt.datetime.combine(filters.issued_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        invoices = invoices.filter(issued_at__lt=end)
    return invoices.order_by("-created_at", "-pk")


def invoice_get(actor: Actor, invoice_id: int) -> Invoice:
    """One invoice with its lines (prefetched), order and parties; NotFound if the actor may not read it."""
    invoice = (
        visible_invoices(actor).select_related("order__need").prefetch_related("lines").filter(pk=invoice_id).first()
    )
    if invoice is None:
        raise NotFound(_("没有这个发票。"))
    return invoice


def invoice_pdf(actor: Actor, invoice_id: int) -> Invoice:
    """An invoice whose PDF may be downloaded: issued, paid or void (a draft has none yet)."""
    invoice = invoice_get(actor, invoice_id)
    if invoice.status not in PDF_STATUSES or not invoice.pdf:
        raise NotFound(_("发票尚未开具，没有 PDF。"))
    return invoice


def invoice_void_reason(invoice: Invoice) -> str:
    """Why a void invoice was voided (from its audit event); "" for any other invoice."""
    if invoice.status != InvoiceStatus.VOID:
        return ""
    reason = (
        AuditEvent.objects.filter(object_type="marketplace.invoice", object_id=str(invoice.pk), action="invoice.void")
        .order_by("-created_at", "-id")
        .values_list("reason", flat=True)
        .first()
    )
    return reason or ""
