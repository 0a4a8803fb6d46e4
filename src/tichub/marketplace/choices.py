from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionRuleChoice(models.TextChoices):
    """The decision rules a customer may ask for (ILAC-G8:09/2019), mapped to tichub.science.decision."""

    NONE = "none", _("不作符合性判定")
    SIMPLE = "simple", _("简单接受（w = 0）")
    GUARDED = "guarded", _("保护带接受（w = U）")
    NON_BINARY = "non_binary", _("非二元判定（通过/有条件通过/有条件不通过/不通过）")


class NeedStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("询价中")
    ORDERED = "ordered", _("已下单")
    CANCELLED = "cancelled", _("已取消")


class QuoteStatus(models.TextChoices):
    REQUESTED = "requested", _("待报价")
    SUBMITTED = "submitted", _("已报价")
    DECLINED = "declined", _("已谢绝")
    ACCEPTED = "accepted", _("已接受")
    CLOSED = "closed", _("未中选")
    WITHDRAWN = "withdrawn", _("已撤回")


class OrderStatus(models.TextChoices):
    """委托单: contract review (ISO/IEC 17025 7.1), then samples, then the laboratory's work."""

    REVIEW = "review", _("合同评审中")
    ACCEPTED = "accepted", _("已受理")
    DECLINED = "declined", _("评审未通过")
    SAMPLES_SENT = "samples_sent", _("样品已寄出")
    RECEIVED = "received", _("样品已接收")
    IN_PROGRESS = "in_progress", _("检测中")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class ReviewVerdict(models.TextChoices):
    ACCREDITED = "accredited", _("在认可范围内")
    NOT_ACCREDITED = "not_accredited", _("有能力但不在认可范围内（报告中注明）")
    SUBCONTRACTED = "subcontracted", _("分包")
    NOT_COVERED = "not_covered", _("无此能力")


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已开具")
    PAID = "paid", _("已付款")
    VOID = "void", _("已作废")
