"""Invoices (发票): a commercial invoice per order, drafted from the accepted quote, issued as a bilingual PDF.

This is a commercial invoice, not a tax fapiao (税务发票); there is no payment gateway: the institution records that
it was paid. Every service needs "market.invoice.manage" (institution administrator or reception) of the order's
institution; another organisation's order or invoice answers NotFound, alike with an id that does not exist.

State machine
    DRAFT  → ISSUED   invoice_issue: numbered (number_next kind "invoice"), the PDF rendered, stored with its
                      SHA-256; from then on the invoice is immutable (no line, rate or total changes, ever)
    ISSUED → PAID     invoice_mark_paid (the date the money arrived)
    DRAFT | ISSUED → VOID   invoice_void, reason required; a PAID invoice cannot be voided
Anything else is refused with a Conflict naming the current state and the action. Drafts are the institution's
working copies: the enterprise sees an invoice from its issue on (timeline entry and notification then).

Money
    Amounts are Decimal with two places (fen). A line's amount = quantity × unit price, rounded to 0.01 half up
    (ROUND_HALF_UP, the commercial rounding of money; this is not a measurement result, so GB/T 8170's
    round-half-even does not apply); subtotal = Σ amounts; tax = subtotal × rate / 100 rounded to 0.01 half up;
    total = subtotal + tax (the database constraint invoice_total_adds_up enforces the last one). Prices and
    quantities with more than two decimals are refused, never rounded.

One order has at most one open invoice (DRAFT, ISSUED or PAID): to invoice again, void the open one first.
A cancelled order can be invoiced only for the cancellation fee it recorded (cancelled after sample receipt).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tichub.accounts.choices import OrganisationKind
from tichub.accounts.models import User
from tichub.core.audit import audit_record, snapshot
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent
from tichub.core.notifications import by_language, notify
from tichub.core.numbering import number_next
from tichub.core.pdf import PdfError, render_pdf
from tichub.core.tenancy import Actor
from tichub.registry.choices import TermKind
from tichub.registry.models import Term
from tichub.registry.services import alias_map, parameter_key

from .choices import InvoiceStatus, OrderStatus
from .models import Invoice, InvoiceLine, Order, QuoteLine
from .timeline import timeline_add

MANAGE = "market.invoice.manage"
CENT = Decimal("0.01")
DEFAULT_TAX_RATE = Decimal("6")
MONEY_MAX = Decimal("999999999999.99")  # max_digits=14, decimal_places=2
QUANTITY_MAX = Decimal("99999999.99")  # max_digits=10, decimal_places=2
TAX_RATE_MAX = Decimal("100")
DESCRIPTION_MAX = 300
LINES_MAX = 200
REASON_MAX = 500
INVOICE_FIELDS = ("status", "number", "tax_rate", "subtotal", "tax", "total", "issued_at", "paid_at", "pdf_sha256")
OPEN_STATUSES = (InvoiceStatus.DRAFT, InvoiceStatus.ISSUED, InvoiceStatus.PAID)
# Orders that may be invoiced: accepted, and every state of the work after it (cancelled: see _cancellation_fee).
INVOICEABLE = frozenset(
    {
        OrderStatus.ACCEPTED,
        OrderStatus.SAMPLES_SENT,
        OrderStatus.RECEIVED,
        OrderStatus.IN_PROGRESS,
        OrderStatus.COMPLETED,
    }
)
NOTICE_ZH = "本发票为商业发票，不作为税务发票"
NOTICE_EN = "Commercial invoice, not a tax fapiao"


class PdfUnavailable(ServiceError):
    """The PDF could not be made (fonts or template missing on the server): nothing was issued."""

    status = 503


# --- money ------------------------------------------------------------------------------------------------------


def money_round(value: Decimal) -> Decimal:
    """Round money to the fen, half up (commercial rounding; not GB/T 8170, which is for measured values)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return money_round(quantity * unit_price)


def totals(amounts: Sequence[Decimal], tax_rate: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(subtotal, tax, total) of line amounts at `tax_rate` percent."""
    subtotal = sum(amounts, Decimal("0.00")).quantize(CENT)
    tax = money_round(subtotal * tax_rate / Decimal(100))
    return subtotal, tax, subtotal + tax


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def _integer_in_words(n: int) -> str:
    text = str(n)
    out: list[str] = []
    zero = False
    for i, char in enumerate(text):
        digit, pos = int(char), len(text) - 1 - i
        if digit == 0:
            zero = True
        else:
            if zero and out:
                out.append("零")
            zero = False
            out.append(_DIGITS[digit] + _UNITS[pos % 4])
        if pos % 4 == 0 and pos and int(text[max(0, i - 3) : i + 1]):
            out.append(_GROUPS[pos // 4])
    return "".join(out)


def amount_in_words(amount: Decimal) -> str:
    """The amount in Chinese capital numerals as written on Chinese invoices: 472.23 → 人民币肆佰柒拾贰元贰角叁分."""
    fen_total = int(money_round(amount) * 100)
    if fen_total < 0:
        raise ValueError("amount_in_words: negative amount")
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    words = _integer_in_words(yuan) + "元" if yuan else ""
    if not jiao and not fen:
        return "人民币" + (words or "零元") + "整"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen:
        words += _DIGITS[fen] + "分"
    return "人民币" + words


# --- checks -----------------------------------------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            summary = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in self.fields.items())
            raise ServiceError(_("发票内容有误：%(errors)s") % {"errors": summary}, fields=self.fields)


def _decimal(errors: _Errors, name: str, value: Any, what: str) -> Decimal | None:
    """A decimal from text, int or Decimal (never a float), at most two decimals."""
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.add(name, _("请填写%(what)s。") % {"what": what})
        return None
    if isinstance(value, float | bool):
        errors.add(name, _("%(what)s须以十进制文本或整数给出。") % {"what": what})
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        errors.add(name, _("%(what)s应为数字（如 120.00）。") % {"what": what})
        return None
    if not number.is_finite():
        errors.add(name, _("%(what)s应为数字（如 120.00）。") % {"what": what})
        return None
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        errors.add(name, _("最多两位小数。"))
        return None
    return number


def _price(errors: _Errors, name: str, value: Any) -> Decimal | None:
    price = _decimal(errors, name, value, _("单价"))
    if price is None:
        return None
    if price < 0:
        errors.add(name, _("单价不能为负数。"))
        return None
    if price > MONEY_MAX:
        errors.add(name, _("单价过大。"))
        return None
    return price.quantize(CENT)


def _quantity(errors: _Errors, name: str, value: Any) -> Decimal | None:
    quantity = _decimal(errors, name, value, _("数量"))
    if quantity is None:
        return None
    if quantity <= 0:
        errors.add(name, _("数量须大于 0。"))
        return None
    if quantity > QUANTITY_MAX:
        errors.add(name, _("数量过大。"))
        return None
    return quantity.quantize(CENT)


def _tax_rate(value: Any) -> Decimal:
    errors = _Errors()
    rate = _decimal(errors, "tax_rate", value, _("税率"))
    if rate is not None and not Decimal(0) <= rate <= TAX_RATE_MAX:
        errors.add("tax_rate", _("税率须在 0 至 100（%）之间。"))
    errors.raise_if_any()
    assert rate is not None
    return rate.quantize(CENT)


def _clean_lines(lines: Any) -> list[dict[str, Any]]:
    """Every line checked, every fault reported (field names lines.<i>.<field>, counting from 0)."""
    errors = _Errors()
    if not isinstance(lines, Sequence) or isinstance(lines, str | bytes):
        raise ServiceError.field("lines", _("明细格式不正确。"))
    if not lines:
        raise ServiceError.field("lines", _("发票至少需要一行明细。"), code="required")
    if len(lines) > LINES_MAX:
        raise ServiceError.field("lines", _("发票最多 %(n)d 行明细。") % {"n": LINES_MAX})
    clean: list[dict[str, Any]] = []
    for i, raw in enumerate(lines):
        prefix = f"lines.{i}."
        if not isinstance(raw, Mapping):
            errors.add(f"lines.{i}", _("明细格式不正确。"))
            continue
        description = raw.get("description")
        description = description.strip() if isinstance(description, str) else ""
        if not description:
            errors.add(prefix + "description", _("请填写项目说明。"))
        elif len(description) > DESCRIPTION_MAX:
            errors.add(prefix + "description", _("项目说明最多 %(n)d 个字。") % {"n": DESCRIPTION_MAX})
        quantity = _quantity(errors, prefix + "quantity", raw.get("quantity"))
        price = _price(errors, prefix + "unit_price", raw.get("unit_price"))
        if quantity is not None and price is not None:
            amount = line_amount(quantity, price)
            if amount > MONEY_MAX:
                errors.add(prefix + "unit_price", _("金额过大。"))
            clean.append({"description": description, "quantity": quantity, "unit_price": price, "amount": amount})
    errors.raise_if_any()
    return clean


def _check_totals(amounts: list[Decimal], rate: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    subtotal, tax, total = totals(amounts, rate)
    if total > MONEY_MAX:
        raise ServiceError.field("lines", _("发票合计过大。"))
    return subtotal, tax, total


# --- helpers ----------------------------------------------------------------------------------------------------


def _institution_id(actor: Actor) -> int:
    actor.require(MANAGE)
    organisation = actor.organisation
    if organisation is None or organisation.kind != OrganisationKind.INSTITUTION:
        raise NotFound(_("没有这个发票。"))
    return actor.tenant_id


def _state(invoice: Invoice) -> str:
    return str(InvoiceStatus(invoice.status).label)


def _refuse(invoice: Invoice, action: str) -> Conflict:
    return Conflict(
        _("发票当前状态为“%(state)s”，不能%(action)s。") % {"state": _state(invoice), "action": action},
        code="illegal_transition",
    )


def _locked_invoice(actor: Actor, invoice_id: int) -> Invoice:
    institution_id = _institution_id(actor)
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("order", "institution", "enterprise")
        .filter(pk=invoice_id, institution_id=institution_id)
        .first()
    )
    if invoice is None:
        raise NotFound(_("没有这个发票。"))
    return invoice


def _url(invoice: Invoice) -> str:
    return reverse("marketplace:invoice_detail", args=[invoice.pk])


def _order_ref(order: Order) -> tuple[str, str]:
    return (f"委托单 {order.number}", f"order {order.number}") if order.number else ("委托", "order")


def _notify_enterprise(invoice: Invoice, title: tuple[str, str], body: tuple[str, str]) -> None:
    """The enterprise's people, each in their own language; e-mailed after commit."""
    people = User.objects.filter(is_active=True, memberships__organisation_id=invoice.enterprise_id).distinct()
    for language, users in by_language(people).items():
        english = language.startswith("en")
        with translation.override(language):
            notify(
                users=users,
                organisation_id=invoice.enterprise_id,
                title=title[1] if english else title[0],
                body=body[1] if english else body[0],
                url=_url(invoice),
                email=True,
            )


def _english_names(parameters: list[str]) -> dict[str, str]:
    """English names of parameters from the registry's terms (by canonical key), for bilingual descriptions."""
    aliases = alias_map()
    keys = {name: parameter_key(name, aliases=aliases) for name in parameters}
    terms = Term.objects.filter(kind=TermKind.PARAMETER, key__in=set(keys.values())).exclude(name_en="")
    english = dict(terms.values_list("key", "name_en"))
    return {name: english[key] for name, key in keys.items() if key in english}


def quote_line_description(parameter: str, name_en: str, standard: str, clause: str = "") -> str:
    """ "铅 Lead — GB 5009.12-2017": parameter in Chinese and English, then the method standard (and clause)."""
    name = f"{parameter} {name_en}" if name_en and name_en.casefold() != parameter.casefold() else parameter
    method = f"{standard} {clause}".strip()
    return f"{name} — {method}"[:DESCRIPTION_MAX]


def _lines_from_quote(order: Order) -> list[dict[str, Any]]:
    quote_lines = list(
        QuoteLine.objects.filter(quote_id=order.quote_id)
        .select_related("item__standard", "scope_row__parameter_term")
        .order_by("item__position", "pk")
    )
    english = _english_names([line.item.parameter for line in quote_lines])
    lines = []
    for line in quote_lines:
        item = line.item
        term = line.scope_row.parameter_term if line.scope_row else None
        name_en = (term.name_en if term else "") or english.get(item.parameter, "")
        quantity = Decimal(line.quantity).quantize(CENT)
        lines.append(
            {
                "description": quote_line_description(item.parameter, name_en, item.standard.canonical, item.clause),
                "quantity": quantity,
                "unit_price": line.price,
                "amount": line_amount(quantity, line.price),
            }
        )
    return lines


def _cancellation_fee(order: Order) -> Decimal | None:
    """The fee recorded when the order was cancelled after sample receipt (its audit event), else None."""
    event = (
        AuditEvent.objects.filter(object_type="marketplace.order", object_id=str(order.pk), action="order.cancel")
        .order_by("-created_at", "-id")
        .first()
    )
    fee = (event.after or {}).get("cancellation_fee") if event else None
    if fee in (None, ""):
        return None
    try:
        value = Decimal(str(fee))
    except InvalidOperation:
        return None
    return value if value.is_finite() and value > 0 else None


def _fee_line(order: Order, fee: Decimal) -> dict[str, Any]:
    quote = order.quote
    description = (
        f"取消费用（报价合计 {quote.total} 元的 {quote.cancellation_fee_percent}%） "
        f"Cancellation fee ({quote.cancellation_fee_percent} % of the quote total CNY {quote.total})"
    )
    quantity = Decimal("1.00")
    return {
        "description": description[:DESCRIPTION_MAX],
        "quantity": quantity,
        "unit_price": fee.quantize(CENT),
        "amount": line_amount(quantity, fee),
    }


def _write_lines(invoice: Invoice, lines: list[dict[str, Any]]) -> list[InvoiceLine]:
    rows = [InvoiceLine(invoice=invoice, position=i, **line) for i, line in enumerate(lines, 1)]
    InvoiceLine.objects.bulk_create(rows)
    return rows


def _lines_snapshot(lines: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{name: str(value) for name, value in line.items()} for line in lines]


# --- services ---------------------------------------------------------------------------------------------------


def invoice_draft(*, actor: Actor, order_id: int, tax_rate: Decimal | str | int = DEFAULT_TAX_RATE) -> Invoice:
    """A DRAFT invoice of an accepted (or later) order, its lines from the accepted quote's lines.

    A cancelled order is invoiced only for the cancellation fee it recorded; one cancelled free of charge, an order
    still under review or declined is refused (Conflict naming its state), as is an order that already has an open
    invoice.
    """
    institution_id = _institution_id(actor)
    rate = _tax_rate(tax_rate)
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("quote")
            .filter(pk=order_id, institution_id=institution_id)
            .first()
        )
        if order is None:
            raise NotFound(_("没有这个委托单。"))
        state = str(OrderStatus(order.status).label)
        if order.status == OrderStatus.CANCELLED:
            fee = _cancellation_fee(order)
            if fee is None:
                raise Conflict(
                    _("委托单当前状态为“%(state)s”且未产生取消费用，不能开具发票。") % {"state": state},
                    code="illegal_transition",
                )
            lines = [_fee_line(order, fee)]
        elif order.status in INVOICEABLE:
            lines = _lines_from_quote(order)
        else:
            raise Conflict(
                _("委托单当前状态为“%(state)s”，不能开具发票（须先受理）。") % {"state": state},
                code="illegal_transition",
            )
        existing = Invoice.objects.filter(order=order, status__in=OPEN_STATUSES).order_by("pk").first()
        if existing is not None:
            raise Conflict(
                _("该委托单已有发票%(number)s，状态为“%(state)s”；如需重新开具，请先作废。")
                % {"number": f" {existing.number}" if existing.number else "", "state": _state(existing)},
                code="invoice_exists",
            )
        if not lines:
            raise Conflict(_("报价没有明细，无法生成发票。"), code="no_lines")
        subtotal, tax, total = _check_totals([line["amount"] for line in lines], rate)
        invoice = Invoice.objects.create(
            order=order,
            institution_id=order.institution_id,
            enterprise_id=order.enterprise_id,
            status=InvoiceStatus.DRAFT,
            tax_rate=rate,
            subtotal=subtotal,
            tax=tax,
            total=total,
        )
        _write_lines(invoice, lines)
        audit_record(
            actor=actor,
            action="invoice.draft",
            obj=invoice,
            after={**snapshot(invoice, INVOICE_FIELDS), "order": order.pk, "lines": _lines_snapshot(lines)},
        )
    return invoice


def invoice_update_lines(
    *, actor: Actor, invoice_id: int, lines: list[dict[str, Any]], tax_rate: Decimal | str | int | None = None
) -> Invoice:
    """Replace a DRAFT invoice's lines (description, quantity, unit_price), and its tax rate if given; totals are
    computed again. Every bad value is reported (lines.<i>.<field>) and nothing changes."""
    _institution_id(actor)
    clean = _clean_lines(lines)
    rate = _tax_rate(tax_rate) if tax_rate is not None else None
    with transaction.atomic():
        invoice = _locked_invoice(actor, invoice_id)
        if invoice.status != InvoiceStatus.DRAFT:
            raise _refuse(invoice, _("修改明细（已开具的发票不可更改）"))
        before = {
            **snapshot(invoice, INVOICE_FIELDS),
            "lines": [
                {"description": x.description, "quantity": x.quantity, "unit_price": x.unit_price, "amount": x.amount}
                for x in invoice.lines.all()
            ],
        }
        if rate is not None:
            invoice.tax_rate = rate
        invoice.subtotal, invoice.tax, invoice.total = _check_totals(
            [line["amount"] for line in clean], Decimal(invoice.tax_rate)
        )
        invoice.lines.all().delete()
        _write_lines(invoice, clean)
        invoice.save(update_fields=["tax_rate", "subtotal", "tax", "total"])
        audit_record(
            actor=actor,
            action="invoice.update_lines",
            obj=invoice,
            before=before,
            after={**snapshot(invoice, INVOICE_FIELDS), "lines": _lines_snapshot(clean)},
        )
    return invoice


def _text(value: str) -> str:
    return value or ""


def _party(organisation: Any) -> dict[str, str]:
    return {
        "name_zh": _text(organisation.name_zh),
        "name_en": _text(organisation.name_en),
        "address_zh": _text(organisation.address_zh),
        "address_en": _text(organisation.address_en),
        "uscc": _text(organisation.uscc),
    }


def _money(value: Decimal) -> str:
    return f"{Decimal(value):,.2f}"


def _plain(value: Decimal) -> str:
    """2.50 → "2.5", 3.00 → "3": quantities and rates without trailing zeros."""
    return format(Decimal(value).normalize(), "f")


def invoice_pdf_data(invoice: Invoice, lines: Sequence[InvoiceLine]) -> dict[str, Any]:
    """What the Typst template templates/pdf/invoice.typ prints (all text, money formatted)."""
    order = invoice.order
    issued = timezone.localtime(invoice.issued_at) if invoice.issued_at else timezone.localtime()
    return {
        "number": invoice.number,
        "issued_on": issued.date().isoformat(),
        "order_number": order.number or "—",
        "order_date": timezone.localtime(order.created_at).date().isoformat(),
        "subject": order.need.title,
        "institution": _party(invoice.institution),
        "enterprise": _party(invoice.enterprise),
        "lines": [
            {
                "position": line.position,
                "description": line.description,
                "quantity": _plain(line.quantity),
                "unit_price": _money(line.unit_price),
                "amount": _money(line.amount),
            }
            for line in lines
        ],
        "subtotal": _money(invoice.subtotal),
        "tax_rate": _plain(invoice.tax_rate),
        "tax": _money(invoice.tax),
        "total": _money(invoice.total),
        "total_in_words": amount_in_words(invoice.total),
        "notice_zh": NOTICE_ZH,
        "notice_en": NOTICE_EN,
    }


def invoice_issue(*, actor: Actor, invoice_id: int) -> Invoice:
    """DRAFT → ISSUED: number it, render and store the PDF with its SHA-256, tell the enterprise. Immutable after."""
    _institution_id(actor)
    stored: str | None = None
    try:
        with transaction.atomic():
            invoice = _locked_invoice(actor, invoice_id)
            if invoice.status != InvoiceStatus.DRAFT:
                raise _refuse(invoice, _("开具"))
            lines = list(invoice.lines.all())
            if not lines:
                raise Conflict(_("发票没有明细，不能开具。"), code="no_lines")
            order = Order.objects.select_related("need").get(pk=invoice.order_id)
            invoice.order = order
            before = snapshot(invoice, INVOICE_FIELDS)
            invoice.number = number_next(organisation_id=invoice.institution_id, kind="invoice")
            invoice.issued_at = timezone.now()
            try:
                pdf = render_pdf("invoice", invoice_pdf_data(invoice, lines), timestamp=invoice.issued_at)
            except PdfError as exc:
                raise PdfUnavailable(
                    _("暂时无法生成发票 PDF，发票未开具：%(detail)s") % {"detail": exc}, code="pdf_unavailable"
                ) from exc
            invoice.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
            invoice.pdf.save(f"{invoice.number}.pdf", ContentFile(pdf), save=False)
            stored = invoice.pdf.name
            invoice.status = InvoiceStatus.ISSUED
            invoice.save(update_fields=["number", "issued_at", "pdf", "pdf_sha256", "status"])
            audit_record(
                actor=actor, action="invoice.issue", obj=invoice, before=before, after=snapshot(invoice, INVOICE_FIELDS)
            )
            ref = _order_ref(order)
            zh = f"发票 {invoice.number} 已开具，合计 {invoice.total} 元"
            en = f"Invoice {invoice.number} issued, total CNY {invoice.total}"
            timeline_add(order, "invoice_issued", zh, en, actor)
            _notify_enterprise(invoice, (f"{ref[0]}：{zh}", f"{ref[1]}: {en}"), (zh, en))
    except Exception:
        if stored:  # the transaction rolled back: remove the file it wrote
            invoice.pdf.storage.delete(stored)
        raise
    return invoice


def invoice_mark_paid(*, actor: Actor, invoice_id: int, paid_on: dt.date) -> Invoice:
    """ISSUED → PAID on `paid_on` (not before the issue date, not in the future)."""
    _institution_id(actor)
    if not isinstance(paid_on, dt.date) or isinstance(paid_on, dt.datetime):
        raise ServiceError.field("paid_on", _("请填写收款日期。"), code="required")
    today = timezone.localdate()
    if paid_on > today:
        raise ServiceError.field("paid_on", _("收款日期不能晚于今天。"))
    with transaction.atomic():
        invoice = _locked_invoice(actor, invoice_id)
        if invoice.status != InvoiceStatus.ISSUED:
            raise _refuse(invoice, _("登记收款"))
        assert invoice.issued_at is not None
        if paid_on < timezone.localtime(invoice.issued_at).date():
            raise ServiceError.field("paid_on", _("收款日期不能早于开具日期。"))
        before = snapshot(invoice, INVOICE_FIELDS)
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = timezone.make_aware(dt.datetime.combine(paid_on, dt.time.min))
        invoice.save(update_fields=["status", "paid_at"])
        audit_record(
            actor=actor, action="invoice.paid", obj=invoice, before=before, after=snapshot(invoice, INVOICE_FIELDS)
        )
        zh = f"发票 {invoice.number} 已收款（{paid_on.isoformat()}）"
        en = f"Invoice {invoice.number} paid ({paid_on.isoformat()})"
        timeline_add(invoice.order, "invoice_paid", zh, en, actor)
        ref = _order_ref(invoice.order)
        _notify_enterprise(invoice, (f"{ref[0]}：{zh}", f"{ref[1]}: {en}"), (zh, en))
    return invoice


def invoice_void(*, actor: Actor, invoice_id: int, reason: str) -> Invoice:
    """DRAFT | ISSUED → VOID with a reason (kept in the audit event, and for an issued one in the timeline).
    A paid invoice cannot be voided. The issued PDF stays as it was."""
    _institution_id(actor)
    text = (reason or "").strip() if isinstance(reason, str) else ""
    if not text:
        raise ServiceError.field("reason", _("请填写作废原因。"), code="required")
    if len(text) > REASON_MAX:
        raise ServiceError.field("reason", _("原因最多 %(n)d 个字。") % {"n": REASON_MAX})
    with transaction.atomic():
        invoice = _locked_invoice(actor, invoice_id)
        if invoice.status not in (InvoiceStatus.DRAFT, InvoiceStatus.ISSUED):
            raise _refuse(invoice, _("作废"))
        was_issued = invoice.status == InvoiceStatus.ISSUED
        before = snapshot(invoice, INVOICE_FIELDS)
        invoice.status = InvoiceStatus.VOID
        invoice.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="invoice.void",
            obj=invoice,
            before=before,
            after=snapshot(invoice, INVOICE_FIELDS),
            reason=text,
        )
        if was_issued:
            zh = f"发票 {invoice.number} 已作废：{text}"
            en = f"Invoice {invoice.number} voided: {text}"
            timeline_add(invoice.order, "invoice_void", zh, en, actor)
            ref = _order_ref(invoice.order)
            _notify_enterprise(invoice, (f"{ref[0]}：{zh}", f"{ref[1]}: {en}"), (zh, en))
    return invoice
