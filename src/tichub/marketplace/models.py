"""From an enterprise's need to an accepted order: quotes, contract review, samples, timeline, messages, invoices.

An order belongs to two tenants, the enterprise that commissions and the institution that performs it; both are
stored on every row that either may read, and selectors admit exactly those two (plus an approved subcontractor
for its own part).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from tichub.core.models import TenantModel

from .choices import DecisionRuleChoice, InvoiceStatus, NeedStatus, OrderStatus, QuoteStatus, ReviewVerdict


class Need(TenantModel):
    """委托需求: what an enterprise wants tested, sent to one or several institutions for quotes."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="needs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    title = models.CharField(_("名称"), max_length=200)
    product_description = models.TextField(_("样品/产品描述"))
    sample_count = models.PositiveSmallIntegerField(_("样品数量"), default=1)
    deadline = models.DateField(_("期望完成日期"))
    decision_rule = models.CharField(
        _("判定规则"), max_length=12, choices=DecisionRuleChoice.choices, default=DecisionRuleChoice.SIMPLE
    )
    accredited_required = models.BooleanField(_("要求认可结果"), default=True)
    confidential = models.BooleanField(_("保密"), default=False)
    status = models.CharField(max_length=10, choices=NeedStatus.choices, default=NeedStatus.DRAFT)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(sample_count__gte=1), name="need_sample_count_positive"),
            models.CheckConstraint(condition=Q(status__in=NeedStatus.values), name="need_status_valid"),
        ]
        indexes = [models.Index(fields=["organisation", "status", "-created_at"], name="need_org_idx")]

    def __str__(self) -> str:
        return self.title


class NeedItem(models.Model):
    """One test wanted: parameter × standard edition, with the limit the result must meet (if any)."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=1)
    object_text = models.CharField(_("检测对象"), max_length=200, blank=True)
    parameter = models.CharField(_("项目/参数"), max_length=200)
    standard = models.ForeignKey("standards.StandardEdition", on_delete=models.PROTECT, related_name="+")
    clause = models.CharField(_("条款"), max_length=60, blank=True)
    specification = models.CharField(_("限量/技术要求"), max_length=200, blank=True)
    lower_limit = models.CharField(_("下限"), max_length=40, blank=True, help_text="decimal text")
    upper_limit = models.CharField(_("上限"), max_length=40, blank=True, help_text="decimal text")
    unit = models.CharField(_("单位"), max_length=40, blank=True)

    class Meta:
        ordering = ["need", "position"]
        constraints = [models.UniqueConstraint(fields=["need", "position"], name="need_item_position_unique")]

    def __str__(self) -> str:
        return f"{self.parameter} / {self.standard_id}"


class Attachment(models.Model):
    """A file attached to a need or to a message of an order."""

    need = models.ForeignKey(Need, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey("Message", null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="marketplace/%Y/%m/")
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(need__isnull=False, message__isnull=True) | Q(need__isnull=True, message__isnull=False),
                name="attachment_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Quote(TenantModel):
    """报价: an institution's answer to a need. Created as a request when the need is sent, then submitted."""

    tenant_field = "institution"
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="quotes")
    enterprise = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="quotes")
    number = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.REQUESTED)
    requested_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    valid_until = models.DateField(_("报价有效期至"), null=True, blank=True)
    turnaround_days = models.PositiveSmallIntegerField(_("周期（工作日）"), null=True, blank=True)
    terms = models.TextField(_("条款"), blank=True)
    cancellation_fee_percent = models.PositiveSmallIntegerField(_("样品接收后取消收费比例（%）"), default=0)
    decline_reason = models.TextField(_("谢绝原因"), blank=True)
    total = models.DecimalField(_("合计（元）"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["need", "institution"]
        constraints = [
            models.UniqueConstraint(fields=["need", "institution"], name="quote_once_per_institution"),
            models.CheckConstraint(condition=Q(status__in=QuoteStatus.values), name="quote_status_valid"),
            models.CheckConstraint(condition=Q(total__gte=0), name="quote_total_non_negative"),
            models.CheckConstraint(condition=Q(cancellation_fee_percent__lte=100), name="quote_fee_percent_max"),
            # A need has at most one accepted quote, whatever races the database sees.
            models.UniqueConstraint(
                fields=["need"], condition=Q(status=QuoteStatus.ACCEPTED), name="one_accepted_quote_per_need"
            ),
        ]
        indexes = [models.Index(fields=["institution", "status"], name="quote_inst_status_idx")]

    def __str__(self) -> str:
        return f"{self.need_id} → {self.institution_id} ({self.status})"


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(NeedItem, on_delete=models.CASCADE, related_name="quote_lines")
    scope_row = models.ForeignKey("registry.ScopeRow", null=True, blank=True, on_delete=models.SET_NULL)
    price = models.DecimalField(_("单价（元）"), max_digits=14, decimal_places=2)
    quantity = models.PositiveSmallIntegerField(default=1)
    accredited = models.BooleanField(_("认可项目"), default=False)
    subcontractor = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("分包机构"),
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["quote", "item"], name="quote_line_once_per_item"),
            models.CheckConstraint(condition=Q(price__gte=0), name="quote_line_price_non_negative"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="quote_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quote_id}:{self.item_id} {self.price}"


class Order(TenantModel):
    """委托单: an accepted quote under contract review, then the work. Numbered by the institution."""

    tenant_field = "institution"
    need = models.OneToOneField(Need, on_delete=models.PROTECT, related_name="order")
    quote = models.OneToOneField(Quote, on_delete=models.PROTECT, related_name="order")
    enterprise = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="orders_placed")
    institution = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="orders")
    number = models.CharField(_("委托单号"), max_length=40, blank=True)
    status = models.CharField(max_length=14, choices=OrderStatus.choices, default=OrderStatus.REVIEW)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    due_date = models.DateField(_("约定完成日期"), null=True, blank=True)
    decision_rule = models.CharField(max_length=12, choices=DecisionRuleChoice.choices)
    cancel_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="order_status_valid"),
            models.UniqueConstraint(
                fields=["institution", "number"], condition=~Q(number=""), name="order_number_unique"
            ),
            models.CheckConstraint(condition=~Q(enterprise=F("institution")), name="order_two_parties"),
        ]
        indexes = [
            models.Index(fields=["enterprise", "status", "-created_at"], name="order_enterprise_idx"),
            models.Index(fields=["institution", "status", "-created_at"], name="order_institution_idx"),
        ]

    def __str__(self) -> str:
        return self.number or f"order {self.pk}"


class ContractReview(models.Model):
    """合同评审 (ISO/IEC 17025 7.1): the institution's record of checking each item before accepting work."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="review")
    decision_rule_agreed = models.BooleanField(_("已与客户约定判定规则"), default=False)
    deviations = models.TextField(_("偏离及说明"), blank=True)
    customer_confirmed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    accepted = models.BooleanField(null=True)
    decline_reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"review of {self.order_id}"


class ReviewItem(models.Model):
    review = models.ForeignKey(ContractReview, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(NeedItem, on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(max_length=16, choices=ReviewVerdict.choices)
    scope_row = models.ForeignKey("registry.ScopeRow", null=True, blank=True, on_delete=models.SET_NULL)
    method_warning = models.CharField(max_length=300, blank=True, help_text="withdrawn or superseded method")
    warning_confirmed_at = models.DateTimeField(null=True, blank=True)
    subcontractor = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subcontract_approved_at = models.DateTimeField(null=True, blank=True)
    subcontract_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "item"], name="review_item_once"),
            models.CheckConstraint(
                condition=~Q(verdict=ReviewVerdict.SUBCONTRACTED) | Q(subcontractor__isnull=False),
                name="subcontracted_names_provider",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.verdict}"


class SampleAnnouncement(models.Model):
    """A sample the enterprise declares and sends; its label carries the order and sample references."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="samples")
    reference = models.CharField(max_length=40, unique=True, help_text="printed on the label and scanned at receipt")
    description = models.CharField(_("样品描述"), max_length=300)
    quantity = models.CharField(_("数量"), max_length=60)
    batch = models.CharField(_("批号"), max_length=60, blank=True)
    storage = models.CharField(_("储存要求"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "reference"]

    def __str__(self) -> str:
        return self.reference


class TimelineEvent(models.Model):
    """What happened to an order, in order, as both parties see it (internal notes never go here)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="timeline")
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=40)
    text_zh = models.CharField(max_length=300)
    text_en = models.CharField(max_length=300)

    class Meta:
        ordering = ["order", "created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="timeline_order_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


class Message(models.Model):
    """One thread per order between the enterprise and the institution."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sender_organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="message_order_idx")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.body[:40]}"


class ThreadRead(models.Model):
    """How far a person has read an order's thread: unread counts without a row per message and reader."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_at = models.DateTimeField()
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "user"], name="thread_read_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.order_id} at {self.last_read_at}"


class Invoice(TenantModel):
    """发票 (a commercial invoice, not a tax fapiao): lines from the accepted quote plus changes, decimal money."""

    tenant_field = "institution"
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoices")
    institution = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=8, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    tax_rate = models.DecimalField(_("税率（%）"), max_digits=5, decimal_places=2, default=6)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    tax = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(upload_to="invoices/%Y/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=InvoiceStatus.values), name="invoice_status_valid"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="invoice_tax_rate_range"),
            # Rounded: SQLite adds decimals as binary floats (89.10 + 5.35 = 94.4499...).
            models.CheckConstraint(condition=Q(total=Round(F("subtotal") + F("tax"), 2)), name="invoice_total_adds_up"),
            models.UniqueConstraint(
                fields=["institution", "number"], condition=~Q(number=""), name="invoice_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"invoice {self.pk}"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=10, decimal_places=2, default=1)
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position_unique")]

    def __str__(self) -> str:
        return f"{self.invoice_id}#{self.position}"
