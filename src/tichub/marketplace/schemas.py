"""Marketplace API schemas; each engineer appends a section under a "# --- <area> ---" header."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

# --- samples and messages ---


class SampleIn(Schema):
    description: str = Field("", description="required, at most 300 characters")
    quantity: str = Field("", description="required, at most 60 characters, e.g. 2 bags × 1 kg")
    batch: str = Field("", description="at most 60 characters")
    storage: str = Field("", description="storage needs, at most 120 characters")


class SamplesIn(Schema):
    samples: list[SampleIn] = Field(description="1 to 50 samples")


class SampleOut(Schema):
    id: int
    order_id: int
    reference: str = Field(description="printed on the label; <order number>-S<nn>")
    description: str
    quantity: str
    batch: str
    storage: str
    created_at: dt.datetime
    dispatched_at: dt.datetime | None
    label_text: str = Field("", description="the text of the label's QR code")

    @staticmethod
    def resolve_label_text(obj: Any) -> str:
        from .labels import label_text, order_reference

        return label_text(obj.reference, order_reference(obj.order.number, obj.order_id))


class SampleDispatchIn(Schema):
    courier: str = Field("", description="at most 60 characters")
    tracking: str = Field("", description="tracking number, at most 60 characters")


class SampleDispatchOut(Schema):
    order_id: int
    order_status: str
    dispatched: list[SampleOut]


class OrderBriefOut(Schema):
    id: int
    number: str
    status: str
    enterprise: str = Field(alias="enterprise.name_zh")
    institution: str = Field(alias="institution.name_zh")


class SampleLookupOut(Schema):
    sample: SampleOut
    order: OrderBriefOut


class MessageIn(Schema):
    body: str = Field(description="1 to 5,000 characters; attachments are uploaded on the order's messages page")


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    url: str = Field("", description="download (API)")

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return f"/api/v1/market/orders/{obj.message.order_id}/attachments/{obj.pk}"


class MessageOut(Schema):
    id: int
    order_id: int
    sender_id: int
    sender_name: str = Field(alias="sender.name")
    sender_organisation_id: int
    sender_organisation: str = Field(alias="sender_organisation.name_zh")
    body: str
    created_at: dt.datetime
    attachments: list[AttachmentOut] = Field(default_factory=list)

    @staticmethod
    def resolve_attachments(obj: Any) -> list[Any]:
        return list(obj.attachments.all())


class ThreadReadOut(Schema):
    order_id: int
    last_read_at: dt.datetime


class UnreadOrderOut(Schema):
    order_id: int
    number: str
    unread: int


class UnreadOut(Schema):
    total: int
    orders: list[UnreadOrderOut]


# --- needs and quotes ---


class NeedItemIn(Schema):
    object_text: str = Field("", description="what is tested, e.g. 白砂糖; at most 200 characters")
    parameter: str = Field(description="parameter, e.g. 铅 / Lead; required")
    standard_code: str = Field(description="method standard with its year, e.g. GB 5009.12-2017; required")
    clause: str = ""
    specification: str = Field("", description="the limit or requirement as written, e.g. ≤ 0.5 mg/kg")
    lower_limit: str = Field("", description="decimal text, e.g. '0.1'")
    upper_limit: str = Field("", description="decimal text, e.g. '0.5'; not below lower_limit")
    unit: str = ""


class NeedIn(Schema):
    title: str
    product_description: str
    sample_count: int = 1
    deadline: dt.date = Field(description="after today")
    decision_rule: str = Field("simple", description="none, simple (w = 0), guarded (w = U) or non_binary")
    accredited_required: bool = True
    confidential: bool = False
    items: list[NeedItemIn] = Field(description="1 to 100 items; errors name items.N.<field> (N from 0)")


class NeedItemOut(Schema):
    id: int
    position: int
    object_text: str
    parameter: str
    standard: str = Field(alias="standard.canonical")
    standard_status: str = Field(alias="standard.status")
    replaced_by: str | None = None
    clause: str
    specification: str
    lower_limit: str
    upper_limit: str
    unit: str

    @staticmethod
    def resolve_replaced_by(obj: Any) -> str | None:
        return obj.standard.replaced_by.canonical if obj.standard.replaced_by_id else None


class NeedAttachmentOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


class NeedSummaryOut(Schema):
    id: int
    title: str
    status: str
    deadline: dt.date
    confidential: bool
    created_at: dt.datetime
    item_count: int = 0
    quote_count: int = Field(0, description="institutions asked")
    submitted_count: int = Field(0, description="quotes received")


class NeedOut(Schema):
    id: int
    title: str
    product_description: str
    sample_count: int
    deadline: dt.date
    decision_rule: str
    accredited_required: bool
    confidential: bool
    status: str
    created_at: dt.datetime
    items: list[NeedItemOut]
    attachments: list[NeedAttachmentOut]


class NeedSendIn(Schema):
    institution_ids: list[int] = Field(description="active institutions of the cluster; at most 20")


class NeedCancelIn(Schema):
    reason: str = ""


class QuoteSummaryOut(Schema):
    id: int
    need_id: int
    institution_id: int
    institution: str = Field(alias="institution.name_zh")
    status: str
    number: str
    total: Decimal
    turnaround_days: int | None
    valid_until: dt.date | None
    requested_at: dt.datetime
    submitted_at: dt.datetime | None


class ComparisonCellOut(Schema):
    quote_id: int
    price: Decimal | None
    quantity: int | None
    amount: Decimal | None
    accredited: bool
    subcontractor_id: int | None
    subcontractor: str = Field(alias="subcontractor_zh")
    note: str
    cheapest: bool


class ComparisonItemOut(Schema):
    item_id: int
    position: int
    parameter: str
    standard: str
    cells: list[ComparisonCellOut]


class ComparisonQuoteOut(Schema):
    quote_id: int
    institution_id: int
    institution_zh: str
    institution_en: str
    status: str
    number: str
    total: Decimal | None
    turnaround_days: int | None
    valid_until: dt.date | None
    expired: bool
    items: int
    in_house: int
    accredited: int
    subcontracted: int
    coverage_percent: int = Field(description="items performed by the institution itself, % of all items")
    accredited_percent: int = Field(description="items whose line is accredited, % of all items")
    acceptable: bool
    decline_reason: str
    cancellation_fee_percent: int
    terms: str


class ComparisonOut(Schema):
    need_id: int
    need_title: str
    need_status: str
    cheapest_quote_id: int | None
    fastest_quote_id: int | None
    accepted_quote_id: int | None
    quotes: list[ComparisonQuoteOut]
    items: list[ComparisonItemOut]


class QuoteAcceptOut(Schema):
    quote_id: int
    need_id: int
    order_id: int
    order_status: str
    due_date: dt.date | None


class QuoteInboxOut(Schema):
    id: int
    need_id: int
    need_title: str = Field(alias="need.title")
    deadline: dt.date = Field(alias="need.deadline")
    enterprise_id: int
    enterprise: str = Field(alias="enterprise.name_zh")
    status: str
    number: str
    total: Decimal
    item_count: int = 0
    requested_at: dt.datetime


class QuoteLineIn(Schema):
    item_id: int
    price: Decimal | str | None = Field(None, description="≥ 0, at most two decimals; omit only when subcontracted")
    quantity: int = 1
    note: str = ""
    subcontractor_id: int | None = Field(None, description="another active institution proposed for this item")


class QuoteSubmitIn(Schema):
    lines: list[QuoteLineIn] = Field(description="one per item of the need; errors name lines.N.<field>")
    turnaround_days: int = Field(description="working days, 1 to 365")
    valid_until: dt.date = Field(description="today or later")
    terms: str = ""
    cancellation_fee_percent: int = Field(0, description="0 to 100")


class QuoteDeclineIn(Schema):
    reason: str = Field(description="required; the enterprise reads it")


class QuoteLineOut(Schema):
    item_id: int
    price: Decimal
    quantity: int
    accredited: bool
    subcontractor_id: int | None
    note: str


class SuggestedLineOut(Schema):
    item_id: int
    position: int
    parameter: str
    standard: str
    price: Decimal | None = Field(description="the institution's list price, if any")
    quantity: int
    accredited: bool
    covered: bool = Field(description="the institution's active scope names this parameter and edition")
    scope_row_id: int | None
    turnaround_days: int | None


class QuoteOut(Schema):
    id: int
    status: str
    number: str
    need: NeedOut
    enterprise_id: int
    enterprise: str = Field(alias="enterprise.name_zh")
    institution_id: int
    total: Decimal
    turnaround_days: int | None
    valid_until: dt.date | None
    terms: str
    cancellation_fee_percent: int
    decline_reason: str
    submitted_at: dt.datetime | None
    lines: list[QuoteLineOut]
    suggested: list[SuggestedLineOut] = Field(
        default_factory=list, description="lines prefilled from list prices (while the quote can be answered)"
    )


# --- orders and contract review ---


class OrderListOut(Schema):
    id: int
    number: str = Field(description="the institution's order number; empty while under contract review")
    status: str = Field(description="review, accepted, declined, samples_sent, received, in_progress, completed, "
                        "cancelled")  # fmt: skip
    need_id: int
    need_title: str
    enterprise_id: int | None = Field(None, description="null for an order seen as subcontractor")
    enterprise_name: str = ""
    institution_id: int
    institution_name: str
    as_subcontractor: bool = Field(False, description="seen as the approved subcontractor of some of its items")
    created_at: dt.datetime
    due_date: dt.date | None
    total: str | None = Field(None, description="the accepted quote's total in yuan (decimal text); null for a "
                              "subcontractor")  # fmt: skip


class ReviewItemOut(Schema):
    id: int
    need_item_id: int
    position: int
    parameter: str
    standard: str
    verdict: str = Field(description="accredited, not_accredited, subcontracted or not_covered")
    scope_row_id: int | None
    subcontractor_id: int | None
    subcontractor_name: str = ""
    method_warning: str = Field(description="withdrawn or superseded method, to be confirmed by the customer")
    warning_confirmed_at: dt.datetime | None
    subcontract_approved_at: dt.datetime | None
    subcontract_approved_by: str = ""
    price: str | None = Field(None, description="the quote line's unit price (decimal text); null for a subcontractor")
    quantity: int | None = None


class ContractReviewOut(Schema):
    decision_rule_agreed: bool
    deviations: str
    customer_confirmed_at: dt.datetime | None
    reviewed_by: str
    decided_at: dt.datetime | None
    accepted: bool | None
    decline_reason: str


class TimelineOut(Schema):
    id: int
    created_at: dt.datetime
    kind: str
    text_zh: str
    text_en: str
    actor: str = ""


class OrderDetailOut(OrderListOut):
    side: str = Field(description="enterprise, institution or subcontractor: how the caller sees this order")
    decision_rule: str
    cancel_reason: str = ""
    cancellation_fee_percent: int | None = None
    review: ContractReviewOut | None = None
    items: list[ReviewItemOut]
    problems: dict[str, list[str]] = Field(default_factory=dict, description="what still blocks accepting")
    timeline: list[TimelineOut] = Field(default_factory=list)
    unread_messages: int | None = None


class ReviewItemIn(Schema):
    verdict: str = Field(description="accredited, not_accredited, subcontracted or not_covered")
    scope_row_id: int | None = Field(None, description="the institution's active scope row (same parameter and "
                                     "edition) for accredited / not_accredited")  # fmt: skip
    subcontractor_id: int | None = Field(None, description="an active institution, for subcontracted")


class ReviewRecordIn(Schema):
    decision_rule_agreed: bool
    deviations: str = Field("", max_length=2000)


class ReviewDecideIn(Schema):
    accept: bool
    reason: str = Field("", description="required to decline, at most 1000 characters")


class OrderCancelIn(Schema):
    reason: str = Field(description="required, at most 1000 characters")


class OrderAdvanceIn(Schema):
    to: str = Field(description="received, in_progress or completed")


class StatusCountOut(Schema):
    status: str
    label: str
    count: int


class MonthStatsOut(Schema):
    month: dt.date
    orders: int
    accepted: int
    amount: str


class MarketStatsOut(Schema):
    by_status: list[StatusCountOut]
    total_orders: int
    accepted_orders: int
    accepted_amount: str = Field(description="sum of accepted quotes' totals, in yuan (decimal text)")
    months: list[MonthStatsOut]


# --- invoices ---


class InvoiceLineIn(Schema):
    description: str = Field(max_length=300)
    quantity: Decimal | str = Field(description="decimal text, > 0, at most two decimals")
    unit_price: Decimal | str = Field(description="decimal text in CNY, ≥ 0, at most two decimals")


class InvoiceLinesIn(Schema):
    lines: list[InvoiceLineIn]
    tax_rate: Decimal | str | None = Field(
        None, description="percent, 0 to 100, at most two decimals; unchanged if absent"
    )


class InvoiceDraftIn(Schema):
    tax_rate: Decimal | str = Field("6", description="percent, 0 to 100, at most two decimals")


class InvoicePaidIn(Schema):
    paid_on: dt.date


class InvoiceVoidIn(Schema):
    reason: str = Field(max_length=500)


class InvoiceLineOut(Schema):
    position: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class InvoiceOut(Schema):
    id: int
    order_id: int
    order_number: str = Field(alias="order.number")
    institution_id: int
    institution: str = Field(alias="institution.name_zh")
    enterprise_id: int
    enterprise: str = Field(alias="enterprise.name_zh")
    number: str
    status: str
    tax_rate: Decimal
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    created_at: dt.datetime
    issued_at: dt.datetime | None
    paid_at: dt.datetime | None
    pdf_sha256: str
    pdf_url: str = ""

    @staticmethod
    def resolve_pdf_url(obj: Any) -> str:
        return f"/api/v1/market/invoices/{obj.pk}/pdf" if obj.pdf else ""


class InvoiceDetailOut(InvoiceOut):
    lines: list[InvoiceLineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())
