"""Marketplace forms; each engineer appends a section under a "# --- <area> ---" header."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

# --- samples and messages ---


class SampleForm(forms.Form):
    """One row of the announce table (samples.<n>.<field> errors of sample_announce land on these fields)."""

    description = forms.CharField(label=_("样品描述"), max_length=300)
    quantity = forms.CharField(label=_("数量"), max_length=60, help_text=_("例如：2 袋 × 1 kg"))
    batch = forms.CharField(label=_("批号"), max_length=60, required=False)
    storage = forms.CharField(
        label=_("储存要求"), max_length=120, required=False, help_text=_("例如：常温、冷藏 2–8 ℃")
    )


class SampleRows(forms.BaseFormSet):
    """Every row is a new sample: rows shown again after "add a row" carry their typed values as initial values
    but are not "initial forms" (the first row is required, the others may stay empty)."""

    def initial_form_count(self) -> int:
        return 0


SampleFormSet = forms.formset_factory(
    SampleForm,
    formset=SampleRows,
    extra=2,
    min_num=1,
    validate_min=True,
    max_num=50,
    validate_max=True,
    absolute_max=50,
)


class SampleDispatchForm(forms.Form):
    courier = forms.CharField(label=_("承运商"), max_length=60, required=False)
    tracking = forms.CharField(label=_("运单号"), max_length=60, required=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; the service checks count and size."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("留言"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4, "maxlength": 5000})
    )
    attachments = MultipleFileField(label=_("附件"), required=False, help_text=_("最多 5 个文件，每个不超过 10 MB。"))


class SampleScanForm(forms.Form):
    text = forms.CharField(
        label=_("标签内容或样品编号"),
        max_length=200,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
        help_text=_("用扫码枪扫描样品标签上的二维码，或手工输入样品编号。"),
    )


# --- orders and contract review ---


class OrderFilterForm(forms.Form):
    """Filters of the order list and its CSV export."""

    status = forms.ChoiceField(label=_("状态"), required=False)
    q = forms.CharField(label=_("搜索"), max_length=100, required=False, help_text=_("委托单号、需求名称或对方名称"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .choices import OrderStatus

        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", _("全部状态")), *OrderStatus.choices]


class ReviewItemForm(forms.Form):
    """The institution's verdict on one item: accredited / not accredited (with its scope row), subcontracted (with
    the subcontractor), not covered."""

    verdict = forms.ChoiceField(label=_("评审结论"))
    scope_row_id = forms.TypedChoiceField(label=_("能力范围行"), required=False, coerce=int, empty_value=None)
    subcontractor_id = forms.TypedChoiceField(label=_("分包机构"), required=False, coerce=int, empty_value=None)

    def __init__(
        self,
        *args: Any,
        scope_rows: list[tuple[int, str]] | None = None,
        subcontractors: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        from .choices import ReviewVerdict

        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["verdict"]).choices = ReviewVerdict.choices
        cast(forms.ChoiceField, self.fields["scope_row_id"]).choices = [("", "—"), *(scope_rows or [])]
        cast(forms.ChoiceField, self.fields["subcontractor_id"]).choices = [("", "—"), *(subcontractors or [])]


class ReviewRecordForm(forms.Form):
    decision_rule_agreed = forms.BooleanField(label=_("已与客户约定判定规则"), required=False)
    deviations = forms.CharField(
        label=_("偏离及说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
    )


class ReviewDecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("评审结论"), choices=[("accept", _("受理")), ("decline", _("谢绝"))], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("谢绝原因"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 1000}),
    )


class OrderCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("取消原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2, "maxlength": 1000})
    )


class OrderAdvanceForm(forms.Form):
    to = forms.ChoiceField(label=_("新状态"))

    def __init__(self, *args: Any, targets: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["to"]).choices = targets or []


# --- needs and quotes ---


def _decision_rule_choices() -> list[tuple[str, Any]]:
    from .choices import DecisionRuleChoice

    return list(DecisionRuleChoice.choices)


class NeedForm(forms.Form):
    """The need itself; its items come from NeedItemFormSet (errors `items.N.<field>` of need_create land there)."""

    title = forms.CharField(label=_("名称"), max_length=200, help_text=_("例如：白砂糖重金属检测"))
    product_description = forms.CharField(
        label=_("样品/产品描述"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("产品名称、规格型号、包装、批次等"),
    )
    sample_count = forms.IntegerField(label=_("样品数量"), min_value=1, max_value=10000, initial=1)
    deadline = forms.DateField(label=_("期望完成日期"), widget=forms.DateInput(attrs={"type": "date"}))
    decision_rule = forms.ChoiceField(
        label=_("符合性判定规则"),
        choices=_decision_rule_choices,
        initial="simple",
        widget=forms.RadioSelect,
        help_text=_("需要出具符合性声明时，按哪条判定规则（ILAC-G8）；保护带 w = U 时，结果须低于限值减去扩展不确定度"),
    )
    accredited_required = forms.BooleanField(label=_("要求认可（CNAS/CMA）结果"), required=False, initial=True)
    confidential = forms.BooleanField(label=_("保密"), required=False, help_text=_("通知与邮件中不显示需求名称与项目"))


class NeedItemForm(forms.Form):
    """One item; a row left blank is skipped."""

    object_text = forms.CharField(label=_("检测对象"), max_length=200, required=False)
    parameter = forms.CharField(label=_("项目/参数"), max_length=200, required=False)
    standard_code = forms.CharField(
        label=_("方法标准"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "GB 5009.12-2017"}),
    )
    clause = forms.CharField(label=_("条款"), max_length=60, required=False)
    specification = forms.CharField(label=_("限量/技术要求"), max_length=200, required=False)
    lower_limit = forms.CharField(label=_("下限"), max_length=40, required=False)
    upper_limit = forms.CharField(label=_("上限"), max_length=40, required=False)
    unit = forms.CharField(label=_("单位"), max_length=40, required=False)


NeedItemFormSet = forms.formset_factory(NeedItemForm, extra=0, max_num=100, absolute_max=100)
NEED_BLANK_ROWS = 3


class NeedSendForm(forms.Form):
    institutions = forms.MultipleChoiceField(
        label=_("能覆盖这些项目的机构"), required=False, widget=forms.CheckboxSelectMultiple
    )
    others = forms.MultipleChoiceField(
        label=_("其他机构"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("也可以选择集聚区内的其他机构（按住 Ctrl 多选）"),
    )

    def __init__(self, *args: Any, candidates: Any = (), others: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["institutions"]).choices = list(candidates)
        cast(forms.ChoiceField, self.fields["others"]).choices = list(others)

    def institution_ids(self) -> list[int]:
        return sorted({int(i) for i in [*self.cleaned_data["institutions"], *self.cleaned_data["others"]]})


class NeedAttachmentForm(forms.Form):
    file = forms.FileField(label=_("附件"), help_text=_("不超过 20 MB，例如产品标准、图纸、检测方案"))


class NeedCancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=1000, required=False)


class NeedFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False)
    q = forms.CharField(label=_("关键词"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .choices import NeedStatus

        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", _("全部")), *NeedStatus.choices]


class QuoteForm(forms.Form):
    turnaround_days = forms.IntegerField(label=_("周期（工作日）"), min_value=1, max_value=365)
    valid_until = forms.DateField(label=_("报价有效期至"), widget=forms.DateInput(attrs={"type": "date"}))
    terms = forms.CharField(label=_("条款"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    cancellation_fee_percent = forms.IntegerField(
        label=_("样品接收后取消收费比例（%）"), min_value=0, max_value=100, initial=0
    )


class QuoteLineForm(forms.Form):
    """One item's price; `price` is text so that the service decides (and names) "最多两位小数"."""

    item_id = forms.IntegerField(widget=forms.HiddenInput)
    price = forms.CharField(label=_("单价（元）"), max_length=20, required=False)
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=10000, initial=1)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)
    subcontractor_id = forms.TypedChoiceField(label=_("分包机构"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, subcontractors: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["subcontractor_id"]).choices = [("", _("本机构承检")), *subcontractors]


QuoteLineFormSet = forms.formset_factory(QuoteLineForm, extra=0, max_num=100, absolute_max=100)


class QuoteDeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("谢绝原因"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("客户会看到这段说明，例如：该项目不在本机构能力范围内、近期排期已满"),
    )


class QuoteInboxFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False)
    q = forms.CharField(label=_("关键词"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .choices import QuoteStatus

        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", _("全部")), *QuoteStatus.choices]


# --- invoices ---


class InvoiceDraftForm(forms.Form):
    tax_rate = forms.CharField(label=_("税率（%）"), max_length=8, initial="6", help_text=_("0 至 100，最多两位小数"))


class InvoiceLineForm(forms.Form):
    """One line of a draft invoice; values are checked by invoice_update_lines (errors lines.<i>.<field>)."""

    description = forms.CharField(
        label=_("项目说明"), max_length=300, widget=forms.TextInput(attrs={"size": 50, "style": "width:100%"})
    )
    quantity = forms.CharField(
        label=_("数量"), max_length=16, widget=forms.TextInput(attrs={"size": 8, "inputmode": "decimal"})
    )
    unit_price = forms.CharField(
        label=_("单价（元）"), max_length=20, widget=forms.TextInput(attrs={"size": 12, "inputmode": "decimal"})
    )


InvoiceLineFormSet = forms.formset_factory(
    InvoiceLineForm,
    extra=1,
    min_num=1,
    validate_min=True,
    max_num=200,
    validate_max=True,
    absolute_max=200,
    can_delete=True,
)


class InvoiceRateForm(forms.Form):
    tax_rate = forms.CharField(label=_("税率（%）"), max_length=8)


class InvoicePaidForm(forms.Form):
    paid_on = forms.DateField(label=_("收款日期"), widget=forms.DateInput(attrs={"type": "date"}))


class InvoiceVoidForm(forms.Form):
    reason = forms.CharField(label=_("作废原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


def _invoice_status_choices() -> list[tuple[str, Any]]:
    from .choices import InvoiceStatus

    return [("", _("全部")), *InvoiceStatus.choices]


class InvoiceFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=_invoice_status_choices)
    q = forms.CharField(label=_("搜索"), required=False, max_length=100, help_text=_("发票号、委托单号或单位名称"))
    issued_from = forms.DateField(label=_("开具日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    issued_to = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
